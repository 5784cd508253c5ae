package io.switchboard.testing;

/**
 * Infrastructure for {@code ./switchboard up} and the Kafka image: {@code topics <bootstrap>} creates the platform's
 * Kafka topics (idempotent). (PostgreSQL runs straight from its binaries: see {@code start_postgres} there.)
 */
public final class LocalInfra {
    private LocalInfra() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("topics")) {
            KafkaTopics.create(args[1]);
            System.out.println("Kafka topics ready");
        } else {
            System.err.println("usage: LocalInfra topics <bootstrap-servers>");
            System.exit(2);
        }
    }
}
