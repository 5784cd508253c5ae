#!/usr/bin/env bash
# llm-gateway benchmark, in one run on this machine: the same requests sent straight to a local fake
# OpenAI-compatible upstream (nginx serving canned answers, no delay), through nginx as a plain proxy (the floor), and
# through llm-gateway. Prints requests/s at 16 and 64 connections (wrk), latency at a fixed 200 req/s (hey), time to
# first byte of a 200-chunk stream (curl), the CPU per request of the gateway and of the proxying nginx, and the
# gateway's memory. The cell the targets name (20-chunk streams at 16 connections) runs three rounds, nginx and the
# gateway in turn; the target's ratio is the median of the rounds' ratios, the CPU per request the median of its
# rounds'.
#
#   services/llm-gateway/bench/run.sh            (DURATION=10 seconds per cell by default)
#
# Needs nginx, wrk, hey and psql (installed with apt when missing) and Kafka + PostgreSQL for the gateway to start
# (started with ./switchboard up --detach when they are not running). The gateway writes its ledger and spans to a
# database of the run's own, dropped at the end: a run records about a million calls, which would otherwise stay in
# the platform's database (and its hourly usage rollup), and each run starts from empty tables.
# GATEWAY_JAVA_OPTS are added to the gateway's JVM (a profiler: -XX:StartFlightRecording=filename=/tmp/gw.jfr).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
DURATION=${DURATION:-10}
WORK=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers read the canned answers
UP=18090 PROXY=18091 GATEWAY=18092
PIDS=()
BENCH_DB=switchboard_bench_$$
sql() { psql -w -h 127.0.0.1 -U postgres -d postgres -qAtc "$1"; } # the local cluster's superuser, trusted
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -z "${GW:-}" ] || wait "$GW" 2>/dev/null || true
  [ -z "${DB_MADE:-}" ] || sql "drop database if exists $BENCH_DB with (force)" || true
}
trap cleanup EXIT

for tool in nginx wrk hey curl psql pgrep; do
  command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk hey curl postgresql-client procps >/dev/null; break; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if ! (exec 3<>/dev/tcp/localhost/9092) 2>/dev/null || ! (exec 3<>/dev/tcp/localhost/5432) 2>/dev/null; then
  "$ROOT/switchboard" up --detach
fi
sql "create database $BENCH_DB owner \"${DB_USER:-switchboard}\"" && DB_MADE=1 ||
  { echo "could not make a database of the run's own: the gateway writes to the platform's"; BENCH_DB=${DB_NAME:-switchboard}; }
[ -f "$ROOT/services/llm-gateway/target/quarkus-app/quarkus-run.jar" ] || (cd "$ROOT" && ./mvnw -B -q install -DskipTests)

# ---- canned upstream answers
python3 "$(dirname "${BASH_SOURCE[0]}")/canned-answers.py" "$WORK"
cat >"$WORK/nginx-upstream.conf" <<CONF
worker_processes 1; pid $WORK/upstream.pid; error_log $WORK/upstream.err; daemon off;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; sendfile on; tcp_nodelay on;
  server { listen 127.0.0.1:$UP; root $WORK/www;
    location /json/ { default_type application/json; error_page 405 =200 \$uri; }
    location / { default_type text/event-stream; error_page 405 =200 \$uri; } } }
CONF
cat >"$WORK/nginx-proxy.conf" <<CONF
worker_processes 1; pid $WORK/proxy.pid; error_log $WORK/proxy.err; daemon off;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  upstream up { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$PROXY;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; } } }
CONF
"$NGINX" -c "$WORK/nginx-upstream.conf" -p "$WORK" & PIDS+=($!)
"$NGINX" -c "$WORK/nginx-proxy.conf" -p "$WORK" & PROXY_PID=$!; PIDS+=($PROXY_PID)

# ---- the gateway, with one deployment per canned answer
JAVA=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)/bin/java; [ -x "$JAVA" ] || JAVA=java
props=()
for name in sse1 s20 s200; do
  props+=("-Dgateway.deployments.bench-$name.provider=openai-compatible"
          "-Dgateway.deployments.bench-$name.base-url=http://127.0.0.1:$UP/$name/v1")
done
ADMIN_TOKEN="sb_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" # to make the key below
DB_NAME=$BENCH_DB QUARKUS_HTTP_PORT=$GATEWAY SWITCHBOARD_ADMIN_TOKEN=$ADMIN_TOKEN "$JAVA" -Xmx256m -XX:+UseSerialGC ${GATEWAY_JAVA_OPTS:-} "${props[@]}" \
  -jar "$ROOT/services/llm-gateway/target/quarkus-app/quarkus-run.jar" >"$WORK/gateway.log" 2>&1 & GW=$!; PIDS+=($GW)
for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:$GATEWAY/q/health/ready" && break; sleep 0.2; done
PROXY_WORKER=$(pgrep -P "$PROXY_PID") || { echo "the proxying nginx has no worker process" >&2; exit 1; }
rss() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$GW/status"; }
# a virtual key, as every client of the front doors needs (checked per request: part of what is measured)
KEY=$(curl -fs -H 'Content-Type: application/json' -H "Authorization: Bearer $ADMIN_TOKEN" -d '{"name":"bench"}' \
  "http://127.0.0.1:$GATEWAY/api/keys" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
IDLE_RSS=$(rss)

body() { # body <model> <stream>
  printf '{"model":"%s","stream":%s,"messages":[{"role":"user","content":"Say hello."}]}' "$1" "$2"
}
lua() { # lua <file> <body>
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\nwrk.body = [[%s]]\n' "$KEY" "$2" >"$1"
}
url() { # url <target> <answer>
  case $1 in direct) echo "http://127.0.0.1:$UP/$2/v1/chat/completions" ;;
             nginx) echo "http://127.0.0.1:$PROXY/$2/v1/chat/completions" ;;
             gateway) echo "http://127.0.0.1:$GATEWAY/v1/chat/completions" ;; esac
}
model() { case $1 in json) echo bench-sse1 ;; *) echo "bench-$1" ;; esac; }
stream() { [ "$1" = json ] && echo false || echo true; }

# the processes whose CPU a cell counts: the gateway, or the proxying nginx (its master and worker; not the upstream's)
cpu_pids() { case $1 in gateway) echo "$GW" ;; nginx) echo "$PROXY_PID $PROXY_WORKER" ;; esac; }
cpu_ticks() { cat $(printf '/proc/%s/stat ' "$@") | awk '{t += $14 + $15} END {print t}'; } # user + system, 1/100 s
TICKS_PER_SECOND=$(getconf CLK_TCK)
wrk_cell() { # wrk_cell <target> <answer> <connections>  -> "rps p50ms p99ms"; also the target's CPU per request
  local script=$WORK/$1-$2.lua out before pids
  lua "$script" "$(body "$(model "$2")" "$(stream "$2")")"
  pids=$(cpu_pids "$1")
  before=$([ -z "$pids" ] || cpu_ticks $pids)
  out=$(wrk -t1 -c"$3" -d"${DURATION}s" --latency -s "$script" "$(url "$1" "$2")" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ {rps=$2} / 50%/ {p50=ms($2)} / 99%/ {p99=ms($2)} /Non-2xx/ {bad=$NF}
    END {printf "%.0f %.2f %.2f %s %d", rps, p50, p99, (bad ? "(" bad " non-2xx)" : ""), (bad ? 0 : rps)}')
  local rps=${out##* }
  if [ -n "$pids" ]; then # kept in a file: cells run in subshells
    awk -v t="$(( $(cpu_ticks $pids) - before ))" -v hz="$TICKS_PER_SECOND" -v n="$rps" -v d="$DURATION" \
      -v cell="$2-$3" 'BEGIN {printf "%s %.1f\n", cell, (n > 0 ? t / hz * 1e6 / (n * d) : 0)}' >>"$WORK/cpu-$1"
  fi
  echo "${out% *}"
}

declare -A RPS FIXED_P99
echo "warming up..."
for t in nginx gateway; do wrk_cell "$t" json 16 >/dev/null; wrk_cell "$t" s20 16 >/dev/null; done
: >"$WORK/cpu-gateway"; : >"$WORK/cpu-nginx"

printf '\n%-22s %-9s %12s %12s %12s   %s\n' "workload" "target" "req/s" "p50 ms" "p99 ms" "through/direct"
for cell in "json 16" "json 64" "s20 16" "s20 64" "s200 16"; do
  set -- $cell
  direct=$(wrk_cell direct "$1" "$2")
  for t in direct nginx gateway; do
    r=$([ "$t" = direct ] && echo "$direct" || wrk_cell "$t" "$1" "$2")
    read -r rps p50 p99 extra <<<"$r"
    RPS[$t-$1-$2]=$rps
    ratio=$(awk -v a="$rps" -v b="${direct%% *}" 'BEGIN {printf "%.2f", a/b}')
    label=$([ "$1" = json ] && echo "non-stream" || echo "stream ${1#s} chunks")
    printf '%-22s %-9s %12s %12s %12s   %s %s\n' "$label c=$2" "$t" "$rps" "$p50" "$p99" "$ratio" "$extra"
  done
done
# the targets' cell twice more, nginx and gateway in turn: the target's ratio is the median of the three rounds'
# (on these shared cores one round's req/s moves by a fifth or more; the ratio within a round far less)
declare -A ROUNDS=([nginx]=${RPS[nginx-s20-16]} [gateway]=${RPS[gateway-s20-16]})
RATIOS=$(awk -v g="${RPS[gateway-s20-16]}" -v n="${RPS[nginx-s20-16]}" 'BEGIN {print (n > 0 ? g / n : 0)}')
for _ in 2 3; do
  for t in nginx gateway; do r=$(wrk_cell "$t" s20 16); ROUNDS[$t]+=" ${r%% *}"; done
  RATIOS+=" $(awk -v g="${ROUNDS[gateway]##* }" -v n="${ROUNDS[nginx]##* }" 'BEGIN {print (n > 0 ? g / n : 0)}')"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
printf '\n20-chunk streams at c=16, three rounds (req/s): nginx %s, gateway %s\n' "${ROUNDS[nginx]// / / }" \
  "${ROUNDS[gateway]// / / }"
S20_RATIO=$(median $RATIOS)
LOAD_RSS=$(rss)

printf '\n%-34s %-9s %10s %10s\n' "fixed 200 req/s, non-stream" "target" "p50 ms" "p99 ms"
for t in direct nginx gateway; do
  hey -z "${DURATION}s" -c 4 -q 50 -m POST -T application/json -H "Authorization: Bearer $KEY" -d "$(body "$(model json)" false)" "$(url "$t" json)" 2>/dev/null |
    awk -v t="$t" '/ 50% in/ {p50=$3*1000} / 99% in/ {p99=$3*1000} END {printf "%-34s %-9s %10.2f %10.2f\n", "", t, p50, p99}' |
    tee "$WORK/fixed-$t"
  FIXED_P99[$t]=$(awk '{print $NF}' "$WORK/fixed-$t")
done

printf '\n%-34s %-9s %10s %10s\n' "time to first byte, 200-chunk stream" "target" "p50 ms" "p99 ms"
for t in direct nginx gateway; do
  for _ in $(seq 1 200); do
    curl -s -o /dev/null -w '%{time_starttransfer}\n' -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
      -d "$(body "$(model s200)" true)" "$(url "$t" s200)"
  done | sort -n | awk -v t="$t" '{v[NR]=$1*1000} END {printf "%-34s %-9s %10.2f %10.2f\n", "", t, v[int(NR*0.5)], v[int(NR*0.99)]}'
done

# each cell's CPU per request (the median of its rounds), in the order the cells ran
for t in gateway nginx; do
  awk '!($1 in v) {order[++n] = $1} {v[$1] = v[$1] " " $2} END {for (i = 1; i <= n; i++) print order[i], v[order[i]]}' \
    "$WORK/cpu-$t" | while read -r cell us; do echo "$cell $(median $us)"; done >"$WORK/cpu-$t-median"
done
echo
for t in gateway nginx; do
  printf '%-7s CPU per request (us):' "$t"
  while read -r cell us; do printf ' %s %s' "$cell" "$us"; done <"$WORK/cpu-$t-median"
  echo
done
# the same cell's CPU per request (medians), gateway over nginx
awk '$1 == "s20-16" {print $2}' "$WORK/cpu-gateway-median" "$WORK/cpu-nginx-median" | paste -sd' ' |
  awk '{printf "20-chunk streams at c=16, CPU per request, gateway / nginx: %.1fx\n", ($2 > 0 ? $1 / $2 : 0)}'
# a chunk's own cost: what 180 more chunks per stream add to a request (the per-request work cancels out)
# (the first round's 20-chunk figure: it ran beside the 200-chunk one, the later rounds minutes after)
CHUNK_US=$(awk '$1 == "s20-16" && !a {a = $2} $1 == "s200-16" {b = $2} END {printf "%.1f", (b - a) / 180}' \
  "$WORK/cpu-gateway")
awk -v chunk="$CHUNK_US" -v ratio="$S20_RATIO" \
    -v gp99="${FIXED_P99[gateway]}" -v np99="${FIXED_P99[nginx]}" 'BEGIN {
  held = 0
  row("gateway CPU per streamed chunk (us)", chunk, "<= 5", chunk <= 5)
  row("20-chunk streams at c=16, gateway vs nginx", sprintf("%.2fx", ratio), ">= 0.5x", ratio >= 0.5)
  row("fixed 200 req/s p99, gateway beyond nginx (ms)", sprintf("%+.2f", gp99 - np99), "<= +1", gp99 - np99 <= 1)
  printf "targets held: %d of 3\n%s", held, out
}
function row(name, value, target, ok) {
  held += ok
  out = out sprintf("  %-48s %8s  target %-8s %s\n", name, value, target, ok ? "holds" : "MISSED")
}'

printf '\ngateway RSS: %s MB idle, %s MB after the load (-Xmx256m, SerialGC, JVM mode)\n' "$IDLE_RSS" "$LOAD_RSS"
echo "logs and configs: $WORK"
