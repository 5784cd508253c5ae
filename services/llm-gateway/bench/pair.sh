#!/usr/bin/env bash
# Two llm-gateways of the same build, differing only by JVM options, take the cell the targets name (20-chunk streams
# at 16 connections, through a local nginx upstream) in turn, ROUNDS times: on these shared cores one run of the cell
# moves by a fifth from the next, and taking it in turn is what makes a change of 5-15 % visible.
#
#   services/llm-gateway/bench/pair.sh "-Dgateway.front-doors.pass-through=false" ""
#
# Prints each round's req/s and CPU per request (user + system over the requests) for A and B, then their medians.
# ROUNDS (5), SECONDS_PER_ROUND (15) and WARMUP_SECONDS (20). Needs what run.sh needs, and the built gateway.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
A_OPTS=${1:-} B_OPTS=${2:-}
ROUNDS=${ROUNDS:-5} SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-15} WARMUP_SECONDS=${WARMUP_SECONDS:-20}
WORK=$(mktemp -d /tmp/switchboard-pair.XXXXXX)
chmod 755 "$WORK"
UP=18095 PORT_A=18096 PORT_B=18097
PIDS=()
BENCH_DB=switchboard_pair_$$
sql() { psql -w -h 127.0.0.1 -U postgres -d postgres -qAtc "$1"; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "${DB_MADE:-}" ] || sql "drop database if exists $BENCH_DB with (force)" || true
}
trap cleanup EXIT
for tool in nginx wrk curl psql; do command -v "$tool" >/dev/null || { echo "needs $tool (run.sh installs it)" >&2; exit 1; }; done
if ! (exec 3<>/dev/tcp/localhost/9092) 2>/dev/null || ! (exec 3<>/dev/tcp/localhost/5432) 2>/dev/null; then
  "$ROOT/switchboard" up --detach # the gateway needs Kafka and PostgreSQL to start
fi
sql "create database $BENCH_DB owner \"${DB_USER:-switchboard}\"" && DB_MADE=1

python3 "$(dirname "${BASH_SOURCE[0]}")/canned-answers.py" "$WORK" # the canned answers, as run.sh's
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx.err; daemon off;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; sendfile on; tcp_nodelay on;
  server { listen 127.0.0.1:$UP; root $WORK/www; location / { default_type text/event-stream; error_page 405 =200 \$uri; } } }
CONF
"$(command -v nginx || echo /usr/sbin/nginx)" -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)

JAVA=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)/bin/java; [ -x "$JAVA" ] || JAVA=java
ADMIN_TOKEN="sb_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
declare -A PID
for g in A B; do
  port=PORT_$g opts=${g}_OPTS
  # shellcheck disable=SC2086 # the options are words
  DB_NAME=$BENCH_DB QUARKUS_HTTP_PORT=${!port} SWITCHBOARD_ADMIN_TOKEN=$ADMIN_TOKEN "$JAVA" -Xmx256m -XX:+UseSerialGC \
    ${!opts} -Dgateway.deployments.bench-s20.provider=openai-compatible \
    -Dgateway.deployments.bench-s20.base-url="http://127.0.0.1:$UP/s20/v1" \
    -jar "$ROOT/services/llm-gateway/target/quarkus-app/quarkus-run.jar" >"$WORK/gateway-$g.log" 2>&1 &
  PID[$g]=$!; PIDS+=($!)
  for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:${!port}/q/health/ready" && break; sleep 0.2; done
done
KEY=$(curl -fs -H 'Content-Type: application/json' -H "Authorization: Bearer $ADMIN_TOKEN" -d '{"name":"pair"}' \
  "http://127.0.0.1:$PORT_A/api/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\nwrk.body = [[{"model":"bench-s20","stream":true,"messages":[{"role":"user","content":"Say hello."}]}]]\n' \
  "$KEY" >"$WORK/s20.lua"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cell() { # cell <A|B> <seconds> -> "req/s us-per-request"
  local port=PORT_$1 before rps
  before=$(ticks "${PID[$1]}")
  rps=$(wrk -t1 -c16 -d"$2s" -s "$WORK/s20.lua" "http://127.0.0.1:${!port}/v1/chat/completions" 2>/dev/null |
    awk '/Requests\/sec/ {printf "%.0f", $2} /Non-2xx/ {print "non-2xx answers" > "/dev/stderr"; exit 1}')
  awk -v t="$(( $(ticks "${PID[$1]}") - before ))" -v hz="$(getconf CLK_TCK)" -v n="$rps" -v d="$2" \
    'BEGIN {printf "%s %.0f\n", n, (n > 0 ? t / hz * 1e6 / (n * d) : 0)}'
}
for g in A B; do cell "$g" "$WARMUP_SECONDS" >/dev/null; done
echo "A: ${A_OPTS:-(no options)}"
echo "B: ${B_OPTS:-(no options)}"
printf '%-6s %14s %14s\n' round "A req/s, us" "B req/s, us"
declare -A RPS US
for r in $(seq 1 "$ROUNDS"); do
  line=$(printf '%-6s' "$r")
  for g in A B; do
    read -r rps us <<<"$(cell "$g" "$SECONDS_PER_ROUND")"
    RPS[$g]+=" $rps" US[$g]+=" $us"
    line+=$(printf ' %8s %5s' "$rps" "$us")
  done
  echo "$line"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
printf '%-6s %8s %5s %8s %5s\n' median "$(median ${RPS[A]})" "$(median ${US[A]})" "$(median ${RPS[B]})" "$(median ${US[B]})"
