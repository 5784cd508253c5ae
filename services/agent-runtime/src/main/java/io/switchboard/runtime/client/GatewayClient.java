package io.switchboard.runtime.client;

import io.opentelemetry.context.Context;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReplyTimeoutException;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ReplyReplica;
import io.switchboard.messaging.KafkaBacklog;
import io.switchboard.messaging.RepliesListening;
import io.switchboard.messaging.ReplySilence;
import io.switchboard.traces.SessionTraces;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Calls llm-gateway over Kafka request-reply. The reply stream ends after the terminal chunk (request-reply cannot
 * know where a stream ends), and a gap in the chunks' seq is reported as a failure instead of a shorter answer.
 * A reply silent for {@code switchboard.llm.reply-silence} once Kafka has taken its request (before its first chunk or
 * between two) was lost with its gateway replica ({@link ReplyLost}): the gateway sends keep-alives while the model is
 * silent ({@link ReplySilence}; SmallRye's own {@code reply.timeout}, counted from the send, is a backstop). A reply
 * that starts over at chunk 0 was read again by another replica: its chunks go on from there. Two replicas answering
 * the same request at once are told apart by their chunks' header: the first is kept ({@link ReplyReplica}).
 */
@ApplicationScoped
public class GatewayClient {
    private final KafkaRequestReply<LlmRequest, LlmChunk> requests;
    private final MutinyEmitter<LlmCancel> cancels;
    private final RepliesListening replies;
    /** Model calls waiting for Kafka to take them: beyond what the channel holds, a call is {@link NotSent}. */
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


    /**
     * Streams the reply to {@code request}; the call joins the trace of {@code parent} (the turn). Cancelling the
     * stream before its end tells the gateway to close the upstream call ({@code llm.cancels}).
     */
    public Multi<LlmChunk> stream(LlmRequest request, Context parent) {
        Message<LlmRequest> message = Message.of(request.withTraceparent(SessionTraces.traceparent(parent)));
        Multi<LlmChunk> answer = Multi.createFrom().deferred(() -> {
            AtomicInteger expected = new AtomicInteger();
            ReplyReplica replica = new ReplyReplica();
            String silent = "no reply chunk (nor keep-alive) for " + replySilence.toSeconds() + " s";
            return untilLast(Multi.createFrom().deferred(() -> ReplySilence.watch(sending.admit(message),
                            requests::requestMulti, replySilence, () -> new ReplyLost(silent)))
                    .filter(reply -> replica.takes(replicaOf(reply), reply.getPayload().seq(), System.nanoTime()))
                    .map(reply -> inOrder(reply.getPayload(), expected, request.requestId())))
                    .onFailure(KafkaRequestReplyTimeoutException.class).transform(backstop -> new ReplyLost(silent))
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
     * Kafka did not take the request (the broker away, or {@link KafkaBacklog#MAX} calls already waiting for it), or
     * the reply reader did not hold its partitions within a minute of start-up, and no reply has come: asking again,
     * under the same request id, is a call once more, or twice should the record have been written all the same (its
     * acknowledgement lost).
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
