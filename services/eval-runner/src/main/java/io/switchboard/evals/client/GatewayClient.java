package io.switchboard.evals.client;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReplyTimeoutException;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ReplyReplica;
import io.switchboard.messaging.RepliesListening;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Asks llm-gateway for a whole answer over Kafka request-reply ({@code llm.requests}, the runtime's path): judges and
 * simulated users. A reply that starts over at chunk 0 was read again by another gateway replica: its text starts over.
 * Two replicas answering at once are told apart by their chunks' header: the first is kept ({@link ReplyReplica}).
 * A reply silent for {@code reply.timeout} (the gateway sends keep-alives while the model is silent) was lost, with its
 * gateway replica or while the broker was away: the call is asked once more, as the runtime does. SmallRye counts that
 * silence from the send, so a request Kafka has not taken within it counts as silent too: a judge rides out an outage
 * of up to about twice the timeout (a minute).
 */
@ApplicationScoped
public class GatewayClient {
    private static final Duration LONGEST = Duration.ofMinutes(3);

    private static final Logger LOG = Logger.getLogger(GatewayClient.class);

    private final KafkaRequestReply<LlmRequest, LlmChunk> requests;
    private final RepliesListening replies;

    public GatewayClient(@Channel("llm-requests") KafkaRequestReply<LlmRequest, LlmChunk> requests,
                         @Identifier(RepliesListening.NAME) RepliesListening replies) {
        this.requests = requests;
        this.replies = replies;
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
        return replies.held().flatMap(x -> ask(request))
                .onFailure(KafkaRequestReplyTimeoutException.class).recoverWithUni(silent -> {
                    LOG.warnf("the reply to model call %s was lost (%s): asking again", request.requestId(),
                            silent.getMessage());
                    return ask(request.askedAgain());
                })
                .ifNoItem().after(LONGEST).failWith(() -> new Failed("no answer within " + LONGEST.toMinutes()
                        + " min"));
    }

    private Uni<Answer> ask(LlmRequest request) {
        return Uni.createFrom().<Answer>emitter(done -> {
            StringBuilder text = new StringBuilder();
            int[] tokens = new int[2];
            ReplyReplica replica = new ReplyReplica();
            Cancellable reply = requests.requestMulti(Message.of(request))
                    .filter(chunk -> replica.takes(replicaOf(chunk), chunk.getPayload().seq(), System.nanoTime()))
                    .map(Message::getPayload).subscribe().with(
                    chunk -> {
                        if (chunk.seq() == 0) {
                            text.setLength(0);
                            tokens[0] = 0;
                            tokens[1] = 0;
                        }
                        if (chunk instanceof LlmChunk.TextDelta delta) {
                            text.append(delta.text());
                        } else if (chunk instanceof LlmChunk.Usage usage) {
                            tokens[0] += usage.inputTokens();
                            tokens[1] += usage.outputTokens();
                        } else if (chunk instanceof LlmChunk.Finished finished) {
                            if (finished.usage() != null) {
                                tokens[0] += finished.usage().inputTokens();
                                tokens[1] += finished.usage().outputTokens();
                            }
                            done.complete(new Answer(text.toString(), tokens[0], tokens[1]));
                        } else if (chunk instanceof LlmChunk.Failed failed) {
                            done.fail(new Failed(failed.code() + ": " + failed.message()));
                        }
                    },
                    done::fail, () -> done.fail(new Failed("the reply ended without a finish")));
            done.onTermination(reply::cancel);
        });
    }

    /** The gateway process that sent a reply chunk, or null if it does not say. */
    private static String replicaOf(Message<LlmChunk> reply) {
        Header header = reply.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(kafka -> kafka.getHeaders().lastHeader(LlmChunk.REPLICA_HEADER)).orElse(null);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
