package io.switchboard.runtime.client;

import io.opentelemetry.context.Context;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.messaging.ModelCalls;
import io.switchboard.messaging.RepliesListening;
import io.switchboard.traces.SessionTraces;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Calls llm-gateway over Kafka request-reply: {@link ModelCalls} (shared with eval-runner, which says what can go
 * wrong and what is done about it) on this service's channels, each call in its turn's trace.
 */
@ApplicationScoped
public class GatewayClient {
    private final ModelCalls calls;

    public GatewayClient(@Channel("llm-requests") KafkaRequestReply<LlmRequest, LlmChunk> requests,
                         @Channel("llm-cancels") MutinyEmitter<LlmCancel> cancels,
                         @Identifier(RepliesListening.NAME) RepliesListening replies,
                         @ConfigProperty(name = "switchboard.llm.reply-silence") Duration replySilence) {
        this.calls = new ModelCalls(requests, cancels, replies, replySilence);
    }

    /**
     * Streams the reply to {@code request}, up to its terminal chunk; the call joins the trace of {@code parent} (the
     * turn). Cancelling the stream before its end tells the gateway to close the upstream call.
     */
    public Multi<LlmChunk> stream(LlmRequest request, Context parent) {
        return calls.stream(request.withTraceparent(SessionTraces.traceparent(parent)));
    }
}
