#!/usr/bin/env bash
# The platform's footprint on the default local run (`./switchboard up` on a built tree), beside issue 18's targets:
# the time from `up` to all four services ready and to the first answer of a chat turn, then, idle, each process's
# resident memory (RSS, and PSS: shared pages split between the processes that share them) and the CPU everything
# took over IDLE_SECONDS (60), after `./switchboard build` (timed apart). Runs twice: with fresh data (first start:
# PostgreSQL and Kafka are initialised) and again on that data (a restart). Uses its own SWITCHBOARD_HOME and ports
# 18080-18083, 15432 and 19092-19093 (the training: 18180-18183, 15532, 19192-19193); stops what it started.
#
#   e2e/bench/footprint.sh            (IDLE_SECONDS=60 SETTLE_SECONDS=30)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IDLE_SECONDS=${IDLE_SECONDS:-60}
SETTLE_SECONDS=${SETTLE_SECONDS:-30}
export SWITCHBOARD_HOME=${FOOTPRINT_HOME:-$(mktemp -d /tmp/switchboard-footprint.XXXXXX)}
export SWITCHBOARD_HTTP_PORT=18080 DB_PORT=15432 KAFKA_BOOTSTRAP_SERVERS=localhost:19092
SB=${SB:-$ROOT/switchboard} # SB: another copy of the script, to measure it beside this one
trap '"$SB" down >/dev/null 2>&1 || true' EXIT
cd "$ROOT"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# a built tree: what `up` would build first, and the start-up caches (trained once a build), timed apart; a copy of
# the script from before `build` existed only builds
mkdir -p "$SWITCHBOARD_HOME"
build_started=$(now)
if grep -q '^  build)' "$SB"; then
  "$SB" build >"$SWITCHBOARD_HOME/build.log" 2>&1 || { cat "$SWITCHBOARD_HOME/build.log"; exit 1; }
else
  [ -f services/admin-ui/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q install -DskipTests
fi
build_seconds=$(secs "$build_started" "$(now)")
ready() { curl -fsS -o /dev/null "http://localhost:$1/q/health/ready" 2>/dev/null; }

# all processes of the platform: the supervised ones, and PostgreSQL's backends and helpers (the server's children)
processes() {
  local name pid child
  for name in postgres kafka llm-gateway agent-runtime eval-runner admin-ui; do
    read -r pid _ <"$SWITCHBOARD_HOME/run/$name.pid" 2>/dev/null && [ -d "/proc/$pid" ] || continue
    echo "$name $pid"
    if [ "$name" = postgres ]; then
      for child in $(ps -o pid= --ppid "$pid"); do echo "postgres $child"; done
    fi
  done
}
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/$3" 2>/dev/null || echo 0; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

run() { # run <label>
  local label=$1 start ready_at answer_at token api agent session reply i
  start=$(now)
  "$SB" up --detach >"$SWITCHBOARD_HOME/up.log" 2>&1 || { cat "$SWITCHBOARD_HOME/up.log"; exit 1; }
  until ready 18080 && ready 18081 && ready 18082 && ready 18083; do sleep 0.05; done
  ready_at=$(now)
  token=$(cat "$SWITCHBOARD_HOME/admin-token") api=http://localhost:18081
  local auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
  agent=$(curl -fsS "${auth[@]}" -d '{"name":"footprint-'"$RANDOM"'","model":"sim"}' "$api/api/agents" \
    | grep -o '"id":"[^"]*' | head -1 | cut -d'"' -f4)
  session=$(curl -fsS "${auth[@]}" -d '{"agentId":"'"$agent"'"}' "$api/api/sessions" | grep -o '"id":"[^"]*' \
    | head -1 | cut -d'"' -f4)
  # the first token, as a client of the session's stream sees it; then the whole answer (sim paces its words)
  curl -sN -H "Authorization: Bearer $token" "$api/api/sessions/$session/stream" >"$SWITCHBOARD_HOME/stream" &
  local stream=$!
  sleep 0.2
  local sent_at token_at
  sent_at=$(now)
  curl -fsS -o /dev/null "${auth[@]}" -d '{"text":"hello"}' "$api/api/sessions/$session/messages"
  until grep -q '^event: *token' "$SWITCHBOARD_HOME/stream"; do sleep 0.01; done
  token_at=$(now)
  kill "$stream" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    reply=$(curl -fsS "${auth[@]}" "$api/api/sessions/$session" | grep -o '"role":"assistant"' | head -1) || true
    [ -z "$reply" ] || break
    sleep 0.05
  done
  answer_at=$(now)
  echo
  echo "== $label"
  printf '%-44s %10s   %s\n' "up to all four services ready (s)" "$(secs "$start" "$ready_at")" "target <= 10"
  printf '%-44s %10s   %s\n' "up to the first token of the first answer (s)" "$(secs "$start" "$token_at")" \
    "target: <= 1 after ready"
  printf '%-44s %10s\n' "  message sent (ready + 0.2 s) to first token (s)" "$(secs "$sent_at" "$token_at")"
  printf '%-44s %10s   %s\n' "  to the whole answer (s)" "$(secs "$sent_at" "$answer_at")" \
    "(sim streams a word per 40 ms)"
  sleep "$SETTLE_SECONDS"
  declare -A rss pss before used
  local name pid total_rss=0 total_pss=0 total_used=0
  while read -r name pid; do
    rss[$name]=$(( ${rss[$name]:-0} + $(kb "$pid" VmRSS status) ))
    pss[$name]=$(( ${pss[$name]:-0} + $(kb "$pid" Pss smaps_rollup) ))
    before[$pid]=$(ticks "$pid")
  done < <(processes)
  sleep "$IDLE_SECONDS"
  # a PostgreSQL backend that came meanwhile counts from zero; one that ended meanwhile is left out
  while read -r name pid; do
    used[$name]=$(( ${used[$name]:-0} + $(ticks "$pid") - ${before[$pid]:-0} ))
  done < <(processes)
  percent() {
    awk -v t="$1" -v s="$IDLE_SECONDS" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", 100 * t / hz / s }'
  }
  printf '%-44s %10s %10s %10s\n' "idle (MB; CPU over ${IDLE_SECONDS} s, % of one core)" "RSS" "PSS" "CPU"
  for name in postgres kafka llm-gateway agent-runtime eval-runner admin-ui; do
    [ -n "${rss[$name]:-}" ] || continue
    printf '  %-42s %10d %10d %10s\n' "$name" $((rss[$name] / 1024)) $((pss[$name] / 1024)) \
      "$(percent "${used[$name]:-0}")"
    total_rss=$((total_rss + rss[$name])) total_pss=$((total_pss + pss[$name]))
    total_used=$((total_used + ${used[$name]:-0}))
  done
  printf '%-44s %10d %10d %10s   %s\n' "  total" $((total_rss / 1024)) $((total_pss / 1024)) \
    "$(percent "$total_used")" "targets < 1024 MB (PSS), < 3 % CPU"
  "$SB" down >/dev/null 2>&1
}

echo "footprint of ./switchboard up (data in $SWITCHBOARD_HOME)"
echo "./switchboard build (what was missing, and the start-up caches' training): ${build_seconds} s"
run "first start (fresh data)"
run "restart (the same data)"
