package io.switchboard.runtime.context;

/** Lets tests of other packages move a conversation's window, as {@link ContextWindow} does. */
public final class ContextTestAccess {
    private final Conversation conversation;

    public ContextTestAccess(Conversation conversation) {
        this.conversation = conversation;
    }

    public void leaveBehind(int index, String summary) {
        conversation.leaveBehind(index, summary);
    }
}
