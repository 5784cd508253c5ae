package io.switchboard.evals.client;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.messaging.ModelCalls;
import io.switchboard.messaging.RepliesListening;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Asks llm-gateway for a whole answer over Kafka ({@link ModelCalls}, the runtime's path): judges and simulated users.
 * A reply that starts over at chunk 0 (read again by another gateway replica) starts its text over. As the runtime's
 * turns do:
 * <ul>
 *   <li>a request Kafka did not take (the broker away) is sent again every second until Kafka takes it, so a judge
 *   waits out an outage as long as its case allows;</li>
 *   <li>a reply lost (silent, or cut short) with its gateway replica is asked once more, under a new id.</li>
 * </ul>
 */
@ApplicationScoped
public class GatewayClient {
    private static final Duration LONGEST = Duration.ofMinutes(3);

    private static final Logger LOG = Logger.getLogger(GatewayClient.class);

    private final ModelCalls calls;

    public GatewayClient(@Channel("llm-requests") KafkaRequestReply<LlmRequest, LlmChunk> requests,
                         @Channel("llm-cancels") MutinyEmitter<LlmCancel> cancels,
                         @Identifier(RepliesListening.NAME) RepliesListening replies,
                         @ConfigProperty(name = "switchboard.llm.reply-silence") Duration replySilence) {
        this.calls = new ModelCalls(requests, cancels, replies, replySilence);
    }

    /** The model's answer and what it cost in tokens. */
    public record Answer(String text, int inputTokens, int outputTokens) {
    }

    /** The model could not answer: the gateway's code ({@code unknown_model}, {@code rate_limited}...) and why. */
    public static final class Failed extends RuntimeException {
        public Failed(String message) {
            super(message, null, false, false);
        }
    }

    public Uni<Answer> complete(LlmRequest request) {
        return untilSent(request)
                .onFailure(ModelCalls.ReplyLost.class).recoverWithUni(lost -> {
                    LOG.warnf("the reply to model call %s was lost (%s): asking again", request.requestId(),
                            lost.getMessage());
                    return untilSent(request.askedAgain());
                })
                .ifNoItem().after(LONGEST).failWith(() -> new Failed("no answer within " + LONGEST.toMinutes()
                        + " min"));
    }

    private Uni<Answer> untilSent(LlmRequest request) {
        return ModelCalls.untilTaken(() -> ask(request), failure -> LOG.warnf("model call %s could not be sent (%s):"
                + " sending it again every second until Kafka takes it", request.requestId(), failure.getMessage()));
    }

    private Uni<Answer> ask(LlmRequest request) {
        Folded answer = new Folded();
        return calls.stream(request).onItem().invoke(answer::add).collect().last()
                .map(last -> answer.result());
    }

    /** A reply's chunks folded into its answer. */
    private static final class Folded {
        private final StringBuilder text = new StringBuilder();
        private int inputTokens;
        private int outputTokens;
        private LlmChunk last;

        void add(LlmChunk chunk) {
            if (chunk.seq() == 0) { // the first chunk, or an answer that starts over
                text.setLength(0);
                inputTokens = 0;
                outputTokens = 0;
            }
            last = chunk;
            if (chunk instanceof LlmChunk.TextDelta delta) {
                text.append(delta.text());
            } else if (chunk instanceof LlmChunk.Usage usage) {
                inputTokens += usage.inputTokens();
                outputTokens += usage.outputTokens();
            } else if (chunk instanceof LlmChunk.Finished finished && finished.usage() != null) {
                inputTokens += finished.usage().inputTokens();
                outputTokens += finished.usage().outputTokens();
            }
        }

        Answer result() {
            if (last instanceof LlmChunk.Failed failed) {
                throw new Failed(failed.code() + ": " + failed.message());
            }
            if (!(last instanceof LlmChunk.Finished)) {
                throw new Failed("the reply ended without a finish");
            }
            return new Answer(text.toString(), inputTokens, outputTokens);
        }
    }
}
