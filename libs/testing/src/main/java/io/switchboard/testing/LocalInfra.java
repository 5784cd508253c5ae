package io.switchboard.testing;

import java.io.File;
import java.util.concurrent.CountDownLatch;

/**
 * Infrastructure for {@code ./switchboard up}:
 * <ul>
 *   <li>{@code postgres <data-dir> <port>}: runs embedded PostgreSQL keeping its data, until the process is stopped;</li>
 *   <li>{@code topics <bootstrap>}: creates the platform's Kafka topics (idempotent).</li>
 * </ul>
 */
public final class LocalInfra {
    private LocalInfra() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("postgres")) {
            EmbeddedPostgresServer server = EmbeddedPostgresServer.startPersistent(new File(args[1]),
                    Integer.parseInt(args[2]));
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (Exception e) {
                    System.err.println("PostgreSQL did not stop cleanly: " + e);
                }
                stopped.countDown();
            }));
            System.out.println("PostgreSQL ready on port " + server.port());
            stopped.await();
        } else if (args.length == 2 && args[0].equals("topics")) {
            KafkaTopics.create(args[1]);
            System.out.println("Kafka topics ready");
        } else {
            System.err.println("usage: LocalInfra postgres <data-dir> <port> | topics <bootstrap-servers>");
            System.exit(2);
        }
    }
}
