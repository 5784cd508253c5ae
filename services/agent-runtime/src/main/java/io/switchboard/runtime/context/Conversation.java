package io.switchboard.runtime.context;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.tokens.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's conversation as one turn sees it: the newest context snapshot (what older turns were left behind, with
 * their summary if any), then the journal after it, growing as the turn adds messages. Only the part from
 * {@link #windowStart()} on is sent to the model. Steps of a turn run one at a time, but tool results of one step
 * arrive in parallel: it is synchronized.
 */
public final class Conversation {
    private final List<ChatMessage> messages = new ArrayList<>();
    private final List<Integer> tokens = new ArrayList<>();
    /** Journal position of {@code messages.get(0)}; positions are contiguous. */
    private final int base;
    private int snapshotPosition;
    private String summary;
    private int windowStart;
    private int turnStart = -1;
    /** About the bytes its messages take in memory. */
    private long footprint;

    /**
     * @param base             journal position of the first message to come
     * @param snapshotPosition the newest snapshot's {@code through_position}, or -1
     * @param summary          that snapshot's summary, or null
     */
    public Conversation(int base, int snapshotPosition, String summary) {
        this.base = base;
        this.snapshotPosition = snapshotPosition;
        this.summary = summary;
    }

    public synchronized void add(ChatMessage message) {
        messages.add(message);
        tokens.add(null);
        footprint += footprint(message);
    }

    /** About the bytes its messages take in memory (two a character, and the objects around them). */
    public synchronized long footprint() {
        return footprint;
    }

    private static long footprint(ChatMessage message) {
        long bytes = 128 + 2L * (message.content() == null ? 0 : message.content().length());
        if (message.toolCalls() != null) {
            for (ToolCall call : message.toolCalls()) {
                bytes += 96 + 2L * ((call.arguments() == null ? 0 : call.arguments().length())
                        + (call.name() == null ? 0 : call.name().length()));
            }
        }
        return bytes;
    }

    /** The newest snapshot's {@code through_position}, or -1. */
    public synchronized int snapshotPosition() {
        return snapshotPosition;
    }

    /**
     * The conversation as the journal gives it after its newest snapshot: the messages left behind are dropped (kept
     * between turns, it would otherwise grow with the whole session). Between turns only.
     */
    public synchronized Conversation afterSnapshot() {
        if (windowStart == 0) {
            return this;
        }
        Conversation rest = new Conversation(base + windowStart, snapshotPosition, summary);
        for (int i = windowStart; i < messages.size(); i++) {
            rest.add(messages.get(i));
            rest.tokens.set(rest.tokens.size() - 1, tokens.get(i));
        }
        return rest;
    }

    /** The journal position of the message added last. */
    public synchronized int lastPosition() {
        return base + messages.size() - 1;
    }

    /** The message added last is the first of the turn being run. */
    public synchronized void markTurnStart() {
        turnStart = messages.size() - 1;
    }

    /** The messages of the turn being run (from its user message on); empty until it is marked. */
    public synchronized List<ChatMessage> thisTurn() {
        return turnStart < 0 ? List.of() : List.copyOf(messages.subList(turnStart, messages.size()));
    }

    /** The conversation now, its window's messages counted with {@code counter} (not counted if it is null). */
    synchronized Window window(TokenCounter counter) {
        if (counter == null) {
            return new Window(List.copyOf(messages), null, windowStart, Math.max(turnStart, windowStart), base,
                    snapshotPosition, summary);
        }
        for (int i = windowStart; i < tokens.size(); i++) {
            if (tokens.get(i) == null) {
                tokens.set(i, counter.count(messages.get(i)));
            }
        }
        return new Window(List.copyOf(messages), List.copyOf(tokens), windowStart, Math.max(turnStart, windowStart),
                base, snapshotPosition, summary);
    }

    /** Older turns are left behind: the window starts at {@code index}, with {@code summary} standing for them. */
    synchronized void leaveBehind(int index, String summary) {
        windowStart = index;
        snapshotPosition = base + index - 1;
        this.summary = summary;
    }

    /** What the conversation is at one moment, for fitting it to a window; {@code tokens} null if not counted. */
    record Window(List<ChatMessage> messages, List<Integer> tokens, int start, int turnStart, int base,
                  int snapshotPosition, String summary) {

        boolean counted() {
            return tokens != null;
        }

        int tokensFrom(int index) {
            int sum = 0;
            for (int i = index; i < tokens.size(); i++) {
                sum += tokens.get(i);
            }
            return sum;
        }

        /**
         * The first index from which the messages fit {@code budget}: a user message (whole turns go), not past the
         * turn being run (it is always sent whole, even when it alone is over).
         */
        int fit(int budget) {
            for (int i = start; i < turnStart; i++) {
                if (messages.get(i).role().equals("user") && tokensFrom(i) <= budget) {
                    return i;
                }
            }
            return turnStart;
        }
    }
}
