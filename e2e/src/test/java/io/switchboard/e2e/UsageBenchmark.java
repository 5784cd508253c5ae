package io.switchboard.e2e;

import io.switchboard.testing.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * The dashboards over months: {@code -Dcalls=1000000} model calls over 90 days in the ledger, and the series the
 * Dashboards page asks for (90 days in day buckets, 7 days in 2-hour buckets; all, and split by model) read three
 * ways in one run: from the calls as every series was read before rollups (the baseline), from the calls through the
 * hourly grouping (before any rollup), and from the hourly rollups. Prints the median of {@code -Drepeats=5} reads.
 */
public final class UsageBenchmark {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        int calls = Integer.getInteger("calls", 1_000_000);
        System.out.println("starting the platform ...");
        try (Platform platform = Platform.start(Duration.ZERO, EmbeddedKafka.start())) {
            System.out.printf("writing %,d calls over 90 days ...%n", calls);
            platform.count("with made as (insert into gateway.llm_calls (request_id, session_id, turn_id, agent_id,"
                    + " model, provider, status, input_tokens, output_tokens, latency_ms, ttft_ms, started_at, org_id,"
                    + " deployment, cost_usd) select 'bench-' || i, 's' || i / 10, 't' || i / 3, 'agent-' || i % 20,"
                    + " 'model-' || i % 5, 'sim', case when i % 50 = 0 then 'provider_error' else 'ok' end,"
                    + " 100 + i % 900, 20 + i % 300, 200 + (i * 7919) % 3000, 50 + (i * 104729) % 500,"
                    + " date_trunc('hour', now()) - interval '90 days' + i * interval '90 days' / " + calls + ","
                    + " '00000000-0000-0000-0000-000000000001', 'sim', 0.0001 from generate_series(1::bigint, " + calls
                    + ") i returning 1) select count(*) from made");
            Instant to = Instant.now().plus(Duration.ofHours(1));
            to = Instant.ofEpochSecond(to.getEpochSecond() / 86400 * 86400 + 86400);
            String[][] queries = {
                {"90 days by day, all", series(to, 90, 86400, "all")},
                {"90 days by day, by model", series(to, 90, 86400, "model")},
                {"7 days by 2 hours, all", series(to, 7, 7200, "all")},
                {"7 days by 2 hours, by model", series(to, 7, 7200, "model")},
            };
            double[][] ms = new double[queries.length][3];
            for (int q = 0; q < queries.length; q++) {
                // a second later: not whole hours, so read from the calls as before
                ms[q][0] = median(platform, queries[q][1].replace(":00:00Z&to", ":00:01Z&to"));
                ms[q][1] = median(platform, queries[q][1]);
            }
            System.out.println("rolling the ledger up (the gateway restarted with GATEWAY_USAGE_ROLLUP every minute) ...");
            platform.environment("GATEWAY_USAGE_ROLLUP", "* * * * *");
            platform.stop("llm-gateway");
            platform.restart("llm-gateway");
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (platform.count("select count(*) from gateway.usage_rollup"
                    + " where rolled_until >= date_trunc('hour', now()) - interval '1 hour'") == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ledger was not rolled up within 10 minutes");
                }
                Thread.sleep(1000);
            }
            System.out.printf("%,d rollup rows%n", platform.count("select count(*) from gateway.usage_hourly"));
            for (int q = 0; q < queries.length; q++) {
                ms[q][2] = median(platform, queries[q][1]);
            }
            System.out.printf("%n%-32s %18s %22s %14s%n", "series (ms, median of reads)", "calls (baseline)",
                    "calls, hourly grouping", "rollups");
            for (int q = 0; q < queries.length; q++) {
                System.out.printf("%-32s %18.1f %22.1f %14.1f%n", queries[q][0], ms[q][0], ms[q][1], ms[q][2]);
            }
        }
    }

    private static String series(Instant to, int days, int step, String by) {
        return "/api/usage/series?from=" + to.minus(Duration.ofDays(days)) + "&to=" + to + "&step=" + step + "&by=" + by;
    }

    /** The median time of {@code -Drepeats=5} reads of the query, after one unmeasured read. */
    private static double median(Platform platform, String query) throws Exception {
        int repeats = Integer.getInteger("repeats", 5);
        double[] times = new double[repeats];
        for (int i = -1; i < repeats; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(platform.gateway() + query))
                    .header("Authorization", "Bearer " + Platform.ADMIN_TOKEN).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(query + ": " + response.statusCode() + " " + response.body());
            }
            if (i >= 0) {
                times[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(times);
        return times[repeats / 2];
    }
}
