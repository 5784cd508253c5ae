package io.switchboard.gateway.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.routing.Router;
import io.switchboard.gateway.usage.CallMeter;
import io.switchboard.gateway.usage.CallRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

/**
 * Serves {@code llm.requests} as Kafka request-reply: every request becomes a stream of chunks sent back to the
 * requester's reply topic. Streams of different requests run concurrently (merge), each chunk carries the request's
 * metadata so the sink routes it to the right reply topic and correlation id.
 */
@ApplicationScoped
public class LlmRequestConsumer {
    static final int MAX_CONCURRENT_STREAMS = 1024;
    private static final Logger LOG = Logger.getLogger(LlmRequestConsumer.class);

    private final Router router;
    private final CallRecorder recorder;

    public LlmRequestConsumer(Router router, CallRecorder recorder) {
        this.router = router;
        this.recorder = recorder;
    }

    @Incoming("llm-requests")
    @Outgoing("llm-replies")
    public Multi<Message<LlmChunk>> serve(Multi<Message<LlmRequest>> requests) {
        return requests.onItem().transformToMulti(this::reply).merge(MAX_CONCURRENT_STREAMS);
    }

    private Multi<Message<LlmChunk>> reply(Message<LlmRequest> request) {
        LlmRequest payload = request.getPayload();
        if (payload == null || payload.requestId() == null || payload.messages() == null) {
            // unreadable: to the dead-letter topic; there is no request id to answer to
            return Uni.createFrom().completionStage(() -> request.nack(
                            new IllegalArgumentException("not a valid LlmRequest")))
                    .onItem().transformToMulti(x -> Multi.createFrom().empty());
        }
        Metadata routing = request.getMetadata();
        OutgoingKafkaRecordMetadata<String> key = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(payload.requestId()).build();
        ChatProvider provider = router.providerFor(payload.model());
        CallMeter meter = new CallMeter(payload, provider == null ? "none" : provider.name());
        // ack at once: a stream may outlast the consumer's max unacked-record age
        return Uni.createFrom().completionStage(request::ack)
                .onItem().transformToMulti(x -> router.stream(payload))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf(e, "LLM stream %s failed", payload.requestId());
                    return new LlmChunk.Failed(payload.requestId(), meter.nextSeq(), "provider_error",
                            String.valueOf(e.getMessage()), true);
                })
                .onItem().invoke(meter::observe)
                .onTermination().invoke(() -> recorder.record(meter.finish()))
                .map(chunk -> Message.of(chunk, routing).addMetadata(key));
    }
}
