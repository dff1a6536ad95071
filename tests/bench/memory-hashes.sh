#!/usr/bin/env bash
# Resident memory of N hashes of 10 small fields (listpack-encoded in both servers), ember-server
# against Debian's redis-server in one run. Prints bytes per hash and the ratio (ember / redis).
#   tests/bench/memory-hashes.sh [hashes]
source "$(dirname "$0")/common.sh"
n=${1:-100000}
rport=$(free_port); eport=$(free_port)
rpid=$(start_server redis "$REDIS" "$rport")
epid=$(start_server ember "$EMBER" "$eport")
trap 'kill $rpid $epid 2>/dev/null' EXIT

fill() {  # port
  python3 - "$n" <<'PY' | redis-cli -p "$1" --pipe >/dev/null
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    args = ["HSET", "hash:%08d" % i]
    for f in range(10):
        args += ["field%d" % f, "value-%d-%d" % (i, f)]
    out.write("*%d\r\n" % len(args))
    for a in args:
        out.write("$%d\r\n%s\r\n" % (len(a), a))
PY
}

r0=$(rss_kb "$rpid"); e0=$(rss_kb "$epid")
fill "$rport"; fill "$eport"
r1=$(rss_kb "$rpid"); e1=$(rss_kb "$epid")
rk=$(redis-cli -p "$rport" dbsize); ek=$(redis-cli -p "$eport" dbsize)
re=$(redis-cli -p "$rport" object encoding hash:00000000)
ee=$(redis-cli -p "$eport" object encoding hash:00000000)
rb=$(( (r1 - r0) * 1024 / rk )); eb=$(( (e1 - e0) * 1024 / ek ))
printf 'hashes: redis %s (%s) ember %s (%s)\n' "$rk" "$re" "$ek" "$ee"
printf 'bytes/hash: redis %d ember %d ratio %.2f\n' "$rb" "$eb" "$(echo "$eb / $rb" | bc -l)"
