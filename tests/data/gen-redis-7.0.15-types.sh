#!/usr/bin/env bash
# Regenerates redis-7.0.15-types.rdb with Debian's redis-server 7.0.15.
set -euo pipefail
PORT=${PORT:-46379}
DIR=$(mktemp -d)
/usr/bin/redis-server --port $PORT --bind 127.0.0.1 --dir $DIR --dbfilename dump.rdb --save "" \
  --daemonize no --logfile $DIR/redis.log --enable-debug-command yes &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf $DIR' EXIT
for i in $(seq 50); do redis-cli -p $PORT ping >/dev/null 2>&1 && break; sleep 0.1; done
r() { redis-cli -p $PORT "$@" >/dev/null; }
r flushall
# strings
r set str_raw "$(printf 'a%.0s' $(seq 100))"
r set str_embstr hello
r set str_int 12345
r set str_neg -1
r set str_bigint 9223372036854775807
r set str_float 3.14159
printf 'bin\x00ary\xff\x01' | redis-cli -p $PORT -x set str_binary >/dev/null
r set str_empty ""
# lists
r rpush list_lp a b c 1 2 3 -100 1234567890123
for i in $(seq 0 999); do echo "RPUSH list_ql element-$i"; done | redis-cli -p $PORT >/dev/null
r debug quicklist-packed-threshold 100
r rpush list_plain small "$(printf 'P%.0s' $(seq 200))" small2
r debug quicklist-packed-threshold 0
r config set list-compress-depth 1
for i in $(seq 0 1999); do echo "RPUSH list_compressed compressible-element-number-$i"; done | redis-cli -p $PORT >/dev/null
r config set list-compress-depth 0
# sets
r sadd set_intset 1 2 3 -5 100000 4294967296
r sadd set_ht a b c 1
for i in $(seq 0 599); do echo "SADD set_big_intset $i"; done | redis-cli -p $PORT >/dev/null
# sorted sets
r zadd zset_lp 1 a 2.5 b -3 c 1e10 d
for i in $(seq 0 199); do echo "ZADD zset_sl $i.5 member-$i"; done | redis-cli -p $PORT >/dev/null
r zadd zset_long_member 1 "$(printf 'm%.0s' $(seq 80))" 2 short
r zadd zset_inf inf plus -inf minus 0 zero
# hashes
r hset hash_lp f1 v1 f2 2 f3 -3
for i in $(seq 0 599); do echo "HSET hash_ht field-$i value-$i"; done | redis-cli -p $PORT >/dev/null
r hset hash_long_value f "$(printf 'v%.0s' $(seq 100))" g short
# expiring keys
r set str_ttl ttlvalue
r pexpireat str_ttl 4102444800000
r hset hash_ttl a 1
r pexpireat hash_ttl 4102444800000
r debug set-active-expire 0
r set str_expired gone px 50
sleep 0.2
# other databases
r -n 1 set db1key one
r -n 1 rpush db1list x y z
r -n 5 sadd db5set m1 m2
# a function library
r function load "#!lua name=mylib
redis.register_function('myfunc', function(keys, args) return 1 end)"
r save
cp $DIR/dump.rdb "${1:-redis-7.0.15-types.rdb}"
redis-check-rdb "${1:-redis-7.0.15-types.rdb}" | tail -3
