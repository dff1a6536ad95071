# Shared helpers for the side-by-side benchmarks: start Debian's redis-server and ember-server
# with the same settings on free ports, in temporary directories.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EMBER=${EMBER:-$root/build/release/server/ember-server}
REDIS=${REDIS:-/usr/bin/redis-server}
[ -x "$EMBER" ] || { echo "build ember-server first (deploy/run-server.sh or cmake)"; exit 1; }
[ -x "$REDIS" ] || { echo "install redis-server (apt-get install redis-server)"; exit 1; }
command -v redis-benchmark >/dev/null || { echo "install redis-tools"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME BINARY PORT: runs in a temp dir, no persistence; prints the pid.
start_server() {
  local name=$1 bin=$2 port=$3 dir
  dir=$(mktemp -d "/tmp/bench-$name-XXXXXX")
  "$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --logfile "$dir/log" --daemonize no >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "$pid"; return; }
    sleep 0.05
  done
  echo "failed to start $name" >&2
  exit 1
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
