#!/usr/bin/env bash
# Throughput and p99 latency of ember-server against Debian's redis-server in one run:
# the same redis-benchmark commands against both, alternating, several rounds; prints the
# median requests/s of each; the ratio (ember / redis; >= 1.0 means Ember is faster) as the
# median of the per-round ratios, each from two runs back to back so that the machine's drift
# over the benchmark cancels out, and their range; the median p99 latencies; and the server
# CPU (user + system) each spent per request. At -P 1 on a small machine redis-benchmark
# itself saturates a core, so requests/s there measures the client as much as the server;
# CPU per request is the server's own cost.
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

# name | redis-benchmark arguments | requests, as a multiple of the requests argument (runs
# at -P 16 go ~8x faster than at -P 1; a run shorter than a second mostly measures noise)
if [ "$suite" = types ]; then
  cases=()
  for t in lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange_100 lrange_300 lrange_600; do
    cases+=("${t^^} -P16|-t $t -P 16|1")
  done
else
  cases=(
    "SET -P16|-t set -P 16|8"
    "GET -P16|-t get -P 16|8"
    "INCR -P16|-t incr -P 16|8"
    "MSET -P16|-t mset -P 16|2"
    "SET -P1|-t set -P 1|1"
    "GET -P1|-t get -P 1|1"
  )
fi
# On-CPU time of the server's main thread (user + system, ns; the event loop runs there).
cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
run() {  # pid port args requests -> "rps p99 cpu_us_per_request"
  local t0 t1 out
  t0=$(cpu_ns "$1")
  out=$(redis-benchmark -p "$2" -c 50 -n "$4" -r 100000 -d 32 --csv $3 2>/dev/null |
    tail -1 | tr -d '"' | awk -F, '{print $2, $7}')
  t1=$(cpu_ns "$1")
  echo "$out $(echo "($t1 - $t0) / 1000 / $4" | bc -l)"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-12s %11s %11s %6s %11s %9s %9s %9s %9s\n' test redis_rps ember_rps ratio range \
  redis_p99 ember_p99 redis_cpu ember_cpu
for c in "${cases[@]}"; do
  IFS='|' read -r name args mult <<<"$c"
  n=$((requests * mult))
  rr=(); er=(); rp=(); ep=(); rc=(); ec=(); ratios=()
  for i in $(seq 1 "$rounds"); do
    # Which server goes first alternates, so neither always runs on a machine just warmed
    # (or disturbed) by the other.
    if [ $((i % 2)) -eq 1 ]; then
      read -r a b u < <(run "$rpid" "$rport" "$args" "$n"); rr+=("$a"); rp+=("$b"); rc+=("$u")
      read -r a b u < <(run "$epid" "$eport" "$args" "$n"); er+=("$a"); ep+=("$b"); ec+=("$u")
    else
      read -r a b u < <(run "$epid" "$eport" "$args" "$n"); er+=("$a"); ep+=("$b"); ec+=("$u")
      read -r a b u < <(run "$rpid" "$rport" "$args" "$n"); rr+=("$a"); rp+=("$b"); rc+=("$u")
    fi
    ratios+=("$(echo "${er[-1]} / ${rr[-1]}" | bc -l)")
  done
  r=$(printf '%s\n' "${rr[@]}" | median); e=$(printf '%s\n' "${er[@]}" | median)
  ratio=$(printf '%s\n' "${ratios[@]}" | median)
  range=$(printf '%s\n' "${ratios[@]}" | sort -n | awk 'NR == 1 {lo = $1} {hi = $1}
    END {printf "%.2f-%.2f", lo, hi}')
  r99=$(printf '%s\n' "${rp[@]}" | median); e99=$(printf '%s\n' "${ep[@]}" | median)
  rcpu=$(printf '%s\n' "${rc[@]}" | median); ecpu=$(printf '%s\n' "${ec[@]}" | median)
  printf '%-12s %11.0f %11.0f %6.2f %11s %9s %9s %8.2fus %8.2fus\n' "$name" "$r" "$e" \
    "$ratio" "$range" "$r99" "$e99" "$rcpu" "$ecpu"
done
