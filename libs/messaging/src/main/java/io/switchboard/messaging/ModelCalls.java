package io.switchboard.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReplyTimeoutException;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ReplyReplica;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Model calls to llm-gateway over Kafka request-reply ({@code llm.requests}), as agent-runtime and eval-runner make
 * them. A call's reply streams until its terminal chunk (request-reply cannot know where a stream ends); what goes
 * wrong on the way is one of two failures its caller acts on:
 * <ul>
 *   <li>{@link NotSent}: Kafka did not take the request (its delivery timeout, the broker away), or as many calls as
 *   the channel holds wait for Kafka already ({@link KafkaBacklog}), or the reply reader did not hold its partitions
 *   within a minute of start-up; no reply has come. The caller sends it again under the same id;</li>
 *   <li>{@link ReplyLost}: the reply was silent for {@code switchboard.llm.reply-silence} once Kafka had taken the
 *   request ({@link ReplySilence}; the gateway sends keep-alives while the model is silent), skipped a chunk (sent
 *   while this replica's reply reader was away), or the request's send failed after its reply began. The caller may
 *   ask once more, under a new id.</li>
 * </ul>
 * A reply that starts over at chunk 0 was read again by another gateway replica (or its restart): its chunks go on from
 * there, and the caller drops what it had. Two replicas answering at once are told apart by their chunks' header: the
 * first is kept ({@link ReplyReplica}). A call given up on (a {@link ReplyLost}, a failure, the caller cancelling) is
 * cancelled on {@code llm.cancels}, so a gateway still serving it closes the upstream call instead of running it to
 * its end and billing it; not a {@link NotSent} one, which is sent again under the same id.
 */
public final class ModelCalls {
    private static final Duration SEND_AGAIN_AFTER = Duration.ofSeconds(1);

    private final KafkaRequestReply<LlmRequest, LlmChunk> requests;
    private final MutinyEmitter<LlmCancel> cancels;
    private final RepliesListening replies;
    private final Duration replySilence;
    /** Model calls waiting for Kafka to take them: beyond what the channel holds, a call is {@link NotSent}. */
    private final KafkaBacklog sending = new KafkaBacklog();

    /**
     * On a service's {@code llm-requests} request-reply channel and {@code llm-cancels} channel (a plain object, not a
     * bean: the channels are injected where they exist, as SmallRye checks every {@code @Channel} injection point it
     * finds against the service's configuration, in services without them too).
     */
    public ModelCalls(KafkaRequestReply<LlmRequest, LlmChunk> requests, MutinyEmitter<LlmCancel> cancels,
                      RepliesListening replies, Duration replySilence) {
        this.requests = requests;
        this.cancels = cancels;
        this.replies = replies;
        this.replySilence = replySilence;
    }

    /** Streams the reply to {@code request}, up to and including its terminal chunk. */
    public Multi<LlmChunk> stream(LlmRequest request) {
        String silenceMessage = "no reply chunk (nor keep-alive) for " + replySilence.toSeconds() + " s";
        Multi<LlmChunk> answer = Multi.createFrom().deferred(() -> {
            AtomicInteger expected = new AtomicInteger();
            ReplyReplica replica = new ReplyReplica();
            return untilLast(Multi.createFrom().deferred(() -> ReplySilence.watch(sending.admit(Message.of(request)),
                            requests::requestMulti, replySilence, () -> new ReplyLost(silenceMessage)))
                    .filter(reply -> replica.takes(replicaOf(reply), reply.getPayload().seq(), System.nanoTime()))
                    .map(reply -> inOrder(reply.getPayload(), expected, request.requestId())))
                    // SmallRye's own timeout, counted from the send: a backstop
                    .onFailure(KafkaRequestReplyTimeoutException.class).transform(backstop -> new ReplyLost(
                            "no reply within the reply.timeout of the request's send"))
                    // the send's own failure: the producer gave up on the record (delivery.timeout.ms), or the
                    // channel was full; after a reply (the record written, its acknowledgement lost) it is a reply
                    // cut short
                    .onFailure(KafkaBacklog::kafkaUnavailable).transform(e -> expected.get() == 0
                            ? new NotSent(e) : new ReplyLost("the request's send failed after its reply began"));
        });
        return replies.held().onFailure().transform(NotSent::new).onItem().transformToMulti(x -> answer)
                .onFailure(failure -> !(failure instanceof NotSent)).invoke(() -> cancel(request))
                .onCancellation().invoke(() -> cancel(request));
    }

    /**
     * {@code attempt} made again every second while Kafka does not take its request ({@link NotSent}), so its caller
     * waits out an outage (within its own time limit); {@code firstRefusal} hears of the first refusal only (a warning
     * once a call, not once a second).
     */
    public static <T> Uni<T> untilTaken(Supplier<Uni<? extends T>> attempt, Consumer<Throwable> firstRefusal) {
        AtomicBoolean told = new AtomicBoolean();
        return Uni.createFrom().<T>deferred(attempt)
                .onFailure(NotSent.class).invoke(failure -> {
                    if (!told.getAndSet(true)) {
                        firstRefusal.accept(failure);
                    }
                })
                .onFailure(NotSent.class).retry().withBackOff(SEND_AGAIN_AFTER, SEND_AGAIN_AFTER).indefinitely();
    }

    /**
     * {@code chunk} if it is the one expected next (or the first of an answer that starts over); past a gap the reply
     * is lost (chunks sent while this replica's reply reader was away, as while the broker restarted), as if silent.
     */
    static LlmChunk inOrder(LlmChunk chunk, AtomicInteger expected, String requestId) {
        int want = expected.getAndIncrement();
        if (chunk.seq() == want) {
            return chunk;
        }
        if (chunk.seq() == 0) {
            // a gateway replica died before its read of the request was committed: another one (or its restart) read
            // it again, and the answer starts over; the caller drops what it had
            expected.set(1);
            return chunk;
        }
        throw new ReplyLost("reply chunk " + want + " of " + requestId + " was lost (got " + chunk.seq() + ")");
    }

    /** The gateway process that sent a reply chunk, or null if it does not say. */
    private static String replicaOf(Message<LlmChunk> reply) {
        Header header = reply.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(kafka -> kafka.getHeaders().lastHeader(LlmChunk.REPLICA_HEADER)).orElse(null);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Tells the gateway to stop serving {@code request}, if it still does. */
    private void cancel(LlmRequest request) {
        cancels.sendMessageAndForget(Message.of(LlmCancel.of(request.requestId()))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.requestId()).build()));
    }

    /** The reply went silent (the gateway replica serving it died) or lost a chunk. Asking again may well work. */
    public static final class ReplyLost extends RuntimeException {
        ReplyLost(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Kafka did not take the request, and no reply has come: asking again, under the same request id, is a call once
     * more, or twice should the record have been written all the same (its acknowledgement lost).
     */
    public static final class NotSent extends RuntimeException {
        NotSent(Throwable cause) {
            super("Kafka did not take the request: " + cause.getMessage(), cause, false, false);
        }
    }

    /**
     * Completes right after the terminal chunk. Mutiny has no inclusive take-until, so a sentinel follows the
     * terminal chunk and the stream stops at the sentinel.
     */
    static Multi<LlmChunk> untilLast(Multi<LlmChunk> replies) {
        return replies.onItem().transformToMultiAndConcatenate(chunk -> chunk.last()
                        ? Multi.createFrom().items(chunk, END) : Multi.createFrom().item(chunk))
                .select().first(chunk -> chunk != END);
    }

    private static final LlmChunk END = new LlmChunk.Finished("<end>", -1, "end");
}
