#!/bin/sh
# The broker's entry point: writes its configuration, formats its storage the first time, runs it, and once it
# answers creates the platform's topics (their partitions, and the dead-letter topics' retention: idempotent).
# SIGTERM is passed on to the broker, which shuts down cleanly.
set -eu
CP='/opt/kafka/libs/*'
controller=$((KAFKA_LISTEN_PORT + 1))
mkdir -p "$KAFKA_DATA/data"
cat > "$KAFKA_DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:$controller
listeners=PLAINTEXT://:$KAFKA_LISTEN_PORT,CONTROLLER://localhost:$controller
advertised.listeners=PLAINTEXT://$KAFKA_ADVERTISED_HOST:$KAFKA_LISTEN_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA/data
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# idle: the controller marks its liveness every 10 s, not every 0.5 s
metadata.max.idle.interval.ms=10000
# a small broker: the log cleaner's dedupe map takes 8 MB of heap, not 128; groups' offsets live in 4 partitions, not 50
log.cleaner.dedupe.buffer.size=8388608
offsets.topic.num.partitions=4
auto.create.topics.enable=true
PROPS
if [ ! -f "$KAFKA_DATA/data/meta.properties" ]; then
  java -Xmx128m -cp "$CP" kafka.tools.StorageTool format --standalone \
    -t "$(java -Xmx64m -cp "$CP" kafka.tools.StorageTool random-uuid)" -c "$KAFKA_DATA/server.properties"
fi
trap 'exit 143' TERM INT
# shellcheck disable=SC2086
java $KAFKA_OPTS -cp "$CP" kafka.Kafka "$KAFKA_DATA/server.properties" &
broker=$!
trap 'kill -TERM $broker' TERM INT
(
  until nc -w 1 127.0.0.1 "$KAFKA_LISTEN_PORT" </dev/null >/dev/null 2>&1; do
    kill -0 $broker 2>/dev/null || exit 0
    sleep 1
  done
  java -Xmx64m -XX:TieredStopAtLevel=1 -cp "$CP" io.switchboard.testing.LocalInfra topics \
    "localhost:$KAFKA_LISTEN_PORT" || echo "kafka.sh: could not create the topics" >&2
) &
wait $broker || wait $broker # the first wait returns when the trap runs; the second, when the broker has stopped
