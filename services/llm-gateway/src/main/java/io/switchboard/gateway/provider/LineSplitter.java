package io.switchboard.gateway.provider;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a body that arrives in pieces of any size into lines ({@code \n} or {@code \r\n}), holding at most
 * {@code maxLineBytes} of an unfinished one. A line break is one byte that never occurs inside a UTF-8 character, so
 * lines are cut on bytes and decoded whole.
 */
final class LineSplitter {
    private final int maxLineBytes;
    private byte[] partial = new byte[0];
    private int partialLength;

    LineSplitter(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /** Gives {@code line} every line that {@code bytes} completes; fails when a line grows past the limit. */
    void feed(byte[] bytes, Consumer<String> line) {
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            if (partialLength == 0) {
                line.accept(decode(bytes, start, i - start));
            } else {
                keep(bytes, start, i - start);
                line.accept(decode(partial, 0, partialLength));
                partialLength = 0;
            }
            start = i + 1;
        }
        keep(bytes, start, bytes.length - start);
    }

    /** The last line, when the body did not end with a line break; else null. */
    String rest() {
        String rest = partialLength == 0 ? null : decode(partial, 0, partialLength);
        partialLength = 0;
        return rest;
    }

    private void keep(byte[] bytes, int from, int length) {
        if (length == 0) {
            return;
        }
        if (partialLength + length > maxLineBytes) {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    "the stream broke off: a line is longer than " + maxLineBytes + " bytes");
        }
        if (partialLength + length > partial.length) {
            partial = Arrays.copyOf(partial, Math.min(maxLineBytes, Math.max(partialLength + length, 2 * partial.length)));
        }
        System.arraycopy(bytes, from, partial, partialLength, length);
        partialLength += length;
    }

    private static String decode(byte[] bytes, int from, int length) {
        int end = length > 0 && bytes[from + length - 1] == '\r' ? length - 1 : length;
        return new String(bytes, from, end, StandardCharsets.UTF_8);
    }
}
