#!/usr/bin/env bash
# Throughput and p99 latency of ember-server against Debian's redis-server in one run:
# the same redis-benchmark commands against both, alternating, several rounds; prints the
# median requests/s of each and the ratio (ember / redis; >= 1.0 means Ember is faster).
#   tests/bench/throughput.sh [rounds] [requests] [core|types]
#     core:  SET/GET/INCR/MSET at -P 16, SET/GET at -P 1 (the server-core figures)
#     types: list, set, hash and sorted-set commands at -P 16
source "$(dirname "$0")/common.sh"
rounds=${1:-3}
requests=${2:-200000}
suite=${3:-core}
rport=$(free_port); eport=$(free_port)
rpid=$(start_server redis "$REDIS" "$rport")
epid=$(start_server ember "$EMBER" "$eport")
trap 'kill $rpid $epid 2>/dev/null' EXIT

# name | redis-benchmark arguments
if [ "$suite" = types ]; then
  cases=()
  for t in lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange_100 lrange_300 lrange_600; do
    cases+=("${t^^} -P16|-t $t -P 16")
  done
else
  cases=(
    "SET -P16|-t set -P 16"
    "GET -P16|-t get -P 16"
    "INCR -P16|-t incr -P 16"
    "MSET -P16|-t mset -P 16"
    "SET -P1|-t set -P 1"
    "GET -P1|-t get -P 1"
  )
fi
run() {  # port args -> "rps p99"
  redis-benchmark -p "$1" -c 50 -n "$requests" -r 100000 -d 32 --csv $2 2>/dev/null |
    tail -1 | tr -d '"' | awk -F, '{print $2, $7}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-12s %12s %12s %7s %10s %10s\n' test redis_rps ember_rps ratio redis_p99 ember_p99
for c in "${cases[@]}"; do
  name=${c%%|*}; args=${c#*|}
  rr=(); er=(); rp=(); ep=()
  for _ in $(seq 1 "$rounds"); do
    read -r a b < <(run "$rport" "$args"); rr+=("$a"); rp+=("$b")
    read -r a b < <(run "$eport" "$args"); er+=("$a"); ep+=("$b")
  done
  r=$(printf '%s\n' "${rr[@]}" | median); e=$(printf '%s\n' "${er[@]}" | median)
  r99=$(printf '%s\n' "${rp[@]}" | median); e99=$(printf '%s\n' "${ep[@]}" | median)
  printf '%-12s %12.0f %12.0f %7.2f %10s %10s\n' "$name" "$r" "$e" "$(echo "$e / $r" | bc -l)" \
    "$r99" "$e99"
done
