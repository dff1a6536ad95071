#!/usr/bin/env bash
# Installs what building and testing Ember needs on Debian 12, skipping what is present.
# Usage: deploy/install-deps.sh [--test]   (--test adds the test and interop tools)
set -euo pipefail
pkgs=(build-essential cmake pkg-config libuv1-dev nlohmann-json3-dev libspdlog-dev
      libcxxopts-dev doctest-dev libssl-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev)
if [ "${1:-}" = "--test" ]; then
  # redis-tools: redis-cli and redis-benchmark for integration tests; clang and its runtime
  # for the libFuzzer targets; clang-format for the format check.
  pkgs+=(redis-tools redis-server clang libclang-rt-14-dev clang-format)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or install them with apt-get)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
