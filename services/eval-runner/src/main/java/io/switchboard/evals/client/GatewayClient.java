package io.switchboard.evals.client;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReplyTimeoutException;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ReplyReplica;
import io.switchboard.messaging.KafkaBacklog;
import io.switchboard.messaging.RepliesListening;
import io.switchboard.messaging.ReplySilence;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Asks llm-gateway for a whole answer over Kafka request-reply ({@code llm.requests}, the runtime's path): judges and
 * simulated users. A reply that starts over at chunk 0 was read again by another gateway replica: its text starts over.
 * Two replicas answering at once are told apart by their chunks' header: the first is kept ({@link ReplyReplica}).
 * As the runtime's client does:
 * <ul>
 *   <li>a request Kafka did not take (the broker away: its 10 s delivery timeout, under the reply's 30 s) is sent
 *   again every second until Kafka takes it, so a judge waits out an outage as long as its case allows;</li>
 *   <li>a reply silent for {@code switchboard.llm.reply-silence} once Kafka has taken its request (the gateway sends
 *   keep-alives while the model is silent; {@link ReplySilence}) was lost with its gateway replica: the call is asked
 *   once more, under a new id;</li>
 *   <li>a call given up on (silent, cut short, or no longer wanted) is cancelled on {@code llm.cancels}, so a gateway
 *   still serving it closes the upstream call instead of running it to its end and billing it.</li>
 * </ul>
 */
@ApplicationScoped
public class GatewayClient {
    private static final Duration LONGEST = Duration.ofMinutes(3);
    private static final Duration SEND_AGAIN_AFTER = Duration.ofSeconds(1);

    private static final Logger LOG = Logger.getLogger(GatewayClient.class);

    private final KafkaRequestReply<LlmRequest, LlmChunk> requests;
    private final MutinyEmitter<LlmCancel> cancels;
    private final RepliesListening replies;
    /** Calls waiting for Kafka to take them: beyond what the channel holds, a call is not sent (and sent again). */
    private final KafkaBacklog sending = new KafkaBacklog();

    private final Duration replySilence;

    public GatewayClient(@Channel("llm-requests") KafkaRequestReply<LlmRequest, LlmChunk> requests,
                         @Channel("llm-cancels") MutinyEmitter<LlmCancel> cancels,
                         @Identifier(RepliesListening.NAME) RepliesListening replies,
                         @ConfigProperty(name = "switchboard.llm.reply-silence") Duration replySilence) {
        this.requests = requests;
        this.cancels = cancels;
        this.replies = replies;
        this.replySilence = replySilence;
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

    /** Kafka did not take the request, and no reply came: it is sent again under the same id. */
    static final class NotSent extends RuntimeException {
        NotSent(Throwable cause) {
            super("Kafka did not take the request: " + cause.getMessage(), cause, false, false);
        }
    }

    /**
     * The reply was silent too long, or the request's send failed after its reply began (written after all, its
     * acknowledgement lost): either way it is taken for lost.
     */
    static final class ReplyLost extends RuntimeException {
        ReplyLost(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    public Uni<Answer> complete(LlmRequest request) {
        return replies.held().flatMap(x -> untilSent(request))
                .onFailure(f -> f instanceof KafkaRequestReplyTimeoutException || f instanceof ReplyLost)
                .recoverWithUni(silent -> {
                    LOG.warnf("the reply to model call %s was lost (%s): asking again", request.requestId(),
                            silent.getMessage());
                    return untilSent(request.askedAgain());
                })
                .ifNoItem().after(LONGEST).failWith(() -> new Failed("no answer within " + LONGEST.toMinutes()
                        + " min"));
    }

    private Uni<Answer> untilSent(LlmRequest request) {
        AtomicBoolean told = new AtomicBoolean(); // once a call, not once a second
        return Uni.createFrom().deferred(() -> ask(request))
                .onFailure(NotSent.class).invoke(failure -> {
                    if (!told.getAndSet(true)) {
                        LOG.warnf("model call %s could not be sent (%s): sending it again every second until Kafka"
                                + " takes it", request.requestId(), failure.getMessage());
                    }
                })
                .onFailure(NotSent.class).retry().withBackOff(SEND_AGAIN_AFTER, SEND_AGAIN_AFTER).indefinitely();
    }

    private Uni<Answer> ask(LlmRequest request) {
        return Uni.createFrom().<Answer>emitter(done -> {
            Message<LlmRequest> message;
            try {
                message = sending.admit(Message.of(request));
            } catch (KafkaBacklog.Full full) {
                done.fail(new NotSent(full));
                return;
            }
            StringBuilder text = new StringBuilder();
            int[] tokens = new int[2];
            AtomicBoolean replied = new AtomicBoolean();
            AtomicBoolean over = new AtomicBoolean(); // the gateway ended the call, or Kafka refused it
            ReplyReplica replica = new ReplyReplica();
            Cancellable reply = ReplySilence.watch(message, requests::requestMulti, replySilence, () -> new ReplyLost(
                            "no reply chunk (nor keep-alive) for " + replySilence.toSeconds() + " s", null))
                    .filter(chunk -> replica.takes(replicaOf(chunk), chunk.getPayload().seq(), System.nanoTime()))
                    .map(Message::getPayload).subscribe().with(
                    chunk -> {
                        replied.set(true);
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
                            over.set(true);
                            if (finished.usage() != null) {
                                tokens[0] += finished.usage().inputTokens();
                                tokens[1] += finished.usage().outputTokens();
                            }
                            done.complete(new Answer(text.toString(), tokens[0], tokens[1]));
                        } else if (chunk instanceof LlmChunk.Failed failed) {
                            over.set(true);
                            done.fail(new Failed(failed.code() + ": " + failed.message()));
                        }
                    },
                    failure -> {
                        if (!KafkaBacklog.kafkaUnavailable(failure)) {
                            done.fail(failure);
                        } else if (!replied.get()) {
                            over.set(true);
                            done.fail(new NotSent(failure));
                        } else { // written after all, its acknowledgement lost: asked again, as if silent
                            done.fail(new ReplyLost("the request's send failed after its reply began: "
                                    + failure.getMessage(), failure));
                        }
                    },
                    () -> done.fail(new Failed("the reply ended without a finish")));
            done.onTermination(() -> {
                reply.cancel();
                if (!over.get()) {
                    cancel(request);
                }
            });
        });
    }

    /**
     * Tells the gateway to stop serving {@code request}, if it still does. Not for a request Kafka refused: it is sent
     * again under the same id (should the first have been written all the same, its acknowledgement lost, the gateway
     * serves it twice).
     */
    private void cancel(LlmRequest request) {
        cancels.sendMessageAndForget(Message.of(LlmCancel.of(request.requestId()))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.requestId()).build()));
    }

    /** The gateway process that sent a reply chunk, or null if it does not say. */
    private static String replicaOf(Message<LlmChunk> reply) {
        Header header = reply.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(kafka -> kafka.getHeaders().lastHeader(LlmChunk.REPLICA_HEADER)).orElse(null);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
