#!/usr/bin/env bash
# Builds ember-server (Release) and runs it on embedded defaults (port 6379, no config file).
# Extra arguments go to ember-server: deploy/run-server.sh --port 7000 --save ''
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release -DEMBER_TESTS=OFF >/dev/null
cmake --build "$root/build/release" --target ember-server -j"$(nproc)"
exec "$root/build/release/server/ember-server" "$@"
