package io.switchboard.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for processes a test starts. Not the kernel's pick ({@code new ServerSocket(0)}): that comes from the
 * ephemeral range (Linux: 32768-60999), from which outgoing connections also take their local ports, so in the seconds
 * before a started service binds it, a Kafka or database client could take it ("Port ... seems to be in use"). These
 * come from below that range, each free when given and none given twice by one JVM.
 */
public final class FreePorts {
    private static final int FIRST = 20_000;
    private static final int LAST = 32_000;
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(FIRST, LAST));

    private FreePorts() {
    }

    public static int next() throws IOException {
        return run(1);
    }

    /** The first of {@code n} consecutive free ports. */
    public static int run(int n) throws IOException {
        for (int tries = 0; tries < LAST - FIRST; tries++) {
            int first = NEXT.getAndUpdate(p -> p + n >= LAST ? FIRST : p + n);
            if (first + n <= LAST && free(first, n)) {
                return first;
            }
        }
        throw new IOException("no " + n + " free ports between " + FIRST + " and " + LAST);
    }

    private static boolean free(int first, int n) {
        for (int port = first; port < first + n; port++) {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
                socket.setReuseAddress(true);
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }
}
