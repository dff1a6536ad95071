#!/usr/bin/env bash
# Resident memory per key, ember-server against Debian's redis-server in one run:
# N x `SET key:%010d <32-byte value>` (redis-benchmark -r with a fixed keyspace fills every
# key), then RSS growth / keys. Prints bytes per key for both and the ratio (ember / redis;
# <= 1.0 means Ember is leaner).
#   tests/bench/memory-per-key.sh [keys]
source "$(dirname "$0")/common.sh"
keys=${1:-1000000}
rport=$(free_port); eport=$(free_port)
rpid=$(start_server redis "$REDIS" "$rport")
epid=$(start_server ember "$EMBER" "$eport")
trap 'kill $rpid $epid 2>/dev/null' EXIT

fill() {  # port
  # Sequential keys key:0000000000 .. key:(keys-1), 32-byte values, pipelined.
  python3 - "$1" "$keys" <<'PY' | redis-cli -p "$1" --pipe >/dev/null
import sys
port, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout
val = "x" * 32
for i in range(n):
    k = "key:%010d" % i
    out.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$32\r\n%s\r\n" % (len(k), k, val))
PY
}

r0=$(rss_kb "$rpid"); e0=$(rss_kb "$epid")
fill "$rport"; fill "$eport"
r1=$(rss_kb "$rpid"); e1=$(rss_kb "$epid")
rk=$(redis-cli -p "$rport" dbsize); ek=$(redis-cli -p "$eport" dbsize)
rb=$(( (r1 - r0) * 1024 / rk )); eb=$(( (e1 - e0) * 1024 / ek ))
printf 'keys: redis %s ember %s\n' "$rk" "$ek"
printf 'bytes/key: redis %d ember %d ratio %.2f\n' "$rb" "$eb" "$(echo "$eb / $rb" | bc -l)"
