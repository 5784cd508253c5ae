#!/usr/bin/env bash
# How fast each service's image starts with its start-up cache (JDK 25's AOT cache, /app/app.aot, made by
# `./switchboard images`) and without it (the same image with -XX:AOTMode=off), in turn: the time from `podman run` to
# ready, and the CPU the JVM took up to then. Each service starts alone (320 MB, as in docker-compose.yml) beside a
# PostgreSQL and a Kafka of the images', on a podman network of its own; ROUNDS (3) rounds. Needs the images.
#
#   e2e/bench/image-start.sh            (ROUNDS=3)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=${ROUNDS:-3}
NET=switchboard-image-start
SERVICES=(llm-gateway agent-runtime eval-runner admin-ui)
# podman as `./switchboard` runs it here (no systemd, no rlimits it may not set)
export CONTAINERS_CONF=${CONTAINERS_CONF:-${SWITCHBOARD_HOME:-$ROOT/.switchboard}/containers.conf}
[ -f "$CONTAINERS_CONF" ] || { echo "run ./switchboard images first"; exit 1; }
down() {
  podman rm -f -v $(podman ps -a --filter "network=$NET" --format '{{.Names}}') >/dev/null 2>&1 || true
  podman network rm -f "$NET" >/dev/null 2>&1 || true
}
trap down EXIT
down
podman network create "$NET" >/dev/null
podman run -d --name "$NET-postgres" --network "$NET" --network-alias postgres -e POSTGRES_PASSWORD=bench \
  localhost/switchboard/postgres:latest >/dev/null 2>&1
podman run -d --name "$NET-kafka" --network "$NET" --network-alias kafka localhost/switchboard/kafka:latest \
  >/dev/null 2>&1
for i in postgres:5432 kafka:9092; do
  for ((waited = 0; waited < 120; waited++)); do
    ! podman exec "$NET-${i%%:*}" nc -w 1 127.0.0.1 "${i#*:}" </dev/null >/dev/null 2>&1 || continue 2
    sleep 1
  done
  echo "${i%%:*} did not answer within 120 s" >&2; exit 1
done
sleep 10 # the broker makes the platform's topics once it answers
TICKS=$(getconf CLK_TCK)
key="bench:$(head -c 32 /dev/urandom | base64)"

# start <service> <extra JVM options>: prints the seconds to ready and the JVM's CPU seconds up to then
start() {
  local name=$NET-$1 started pid port ticks options
  # the image's own options, and the extra ones
  options=$(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' \
    "localhost/switchboard/$1:latest" | sed -n 's/^JAVA_OPTS=//p')
  started=$(date +%s.%N)
  podman run -d --name "$name" --network "$NET" -p 127.0.0.1::8080 --memory 320m -e DB_HOST=postgres \
    -e DB_PASSWORD=bench -e KAFKA_BOOTSTRAP_SERVERS=kafka:9092 -e SWITCHBOARD_MASTER_KEYS="$key" \
    -e SWITCHBOARD_ADMIN_TOKEN=sb_bench -e SWITCHBOARD_ADMIN_PASSWORD=bench-password -e JAVA_OPTS="$options $2" \
    "localhost/switchboard/$1:latest" >/dev/null 2>&1 || { echo "could not start $1" >&2; exit 1; }
  port=$(podman port "$name" 8080 | head -1)
  pid=$(podman inspect --format '{{.State.Pid}}' "$name")
  until curl -fsS -o /dev/null "http://$port/q/health/ready" 2>/dev/null; do
    if [ "$(podman inspect -f '{{.State.Running}}' "$name")" != true ] \
        || awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a > 120) }'; then
      echo "$1 was not ready within 120 s, or stopped:" >&2; podman logs "$name" >&2; exit 1
    fi
    sleep 0.1
  done
  ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  awk -v a="$started" -v b="$(date +%s.%N)" -v t="$ticks" -v hz="$TICKS" 'BEGIN { printf "%.1f %.1f", b - a, t / hz }'
  podman rm -f "$name" >/dev/null 2>&1
}

printf '%-14s %-28s %-28s\n' service "with its cache: ready s / CPU s" "without: ready s / CPU s"
for service in "${SERVICES[@]}"; do
  with=() without=()
  for ((round = 0; round < ROUNDS; round++)); do
    with+=("$(start "$service" "")")
    without+=("$(start "$service" -XX:AOTMode=off)")
  done
  printf '%-14s %-28s %-28s\n' "$service" "$(printf '%s, ' "${with[@]}" | sed 's/ \([0-9.]*\),/\/\1,/g; s/, $//')" \
    "$(printf '%s, ' "${without[@]}" | sed 's/ \([0-9.]*\),/\/\1,/g; s/, $//')"
done
