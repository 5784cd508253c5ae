package io.switchboard.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.testing.EmbeddedKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * eval-runner's benchmark: a suite of {@code -Dcases=100} cases (two turns each: a tool call, then a judged answer)
 * run with {@code ./switchboard eval} against the packaged platform, sim at zero pace, measured after
 * {@code -Dwarmups=3} rounds. Prints cases per second (the command's own figure) and the CPU each process took per
 * case, beside the same conversations sent straight to the runtime's API (no eval-runner, no checks, no judge): what
 * evals add.
 */
public final class EvalBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PROCESSES = List.of("agent-runtime", "llm-gateway", "eval-runner");

    private final Platform platform;
    // HTTP/1.1: a connection per stream, as browsers and most SSE clients use them (over h2c, the JDK client ran
    // hundreds of short streams on one connection until it was cut, "EOF reached while reading")
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private EvalBenchmark(Platform platform) {
        this.platform = platform;
    }

    public static void main(String[] args) throws Exception {
        int cases = Integer.getInteger("cases", 100);
        System.out.println("starting the platform (sim at zero pace) ...");
        try (Platform platform = Platform.start(Duration.ZERO, EmbeddedKafka.start())) {
            EvalBenchmark bench = new EvalBenchmark(platform);
            String agent = "bench-" + UUID.randomUUID().toString().substring(0, 8);
            String agentId = JSON.readTree(bench.post(platform.runtime(), "/api/agents", "{\"name\":\"" + agent
                    + "\",\"model\":\"sim\",\"tools\":[\"clock\"]}")).get("id").asText();
            Path suite = Files.createTempFile("bench-suite", ".yaml");
            Files.writeString(suite, suite(agent, cases));
            int warmups = Integer.getInteger("warmups", 3);
            for (int i = 0; i < warmups; i++) { // until the JIT compilers are mostly done
                bench.eval(suite);
                bench.direct(agentId, cases);
            }
            Map<String, Long> before = bench.cpu();
            long start = System.nanoTime();
            String output = bench.eval(suite);
            double evalSeconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> evalCpu = since(bench.cpu(), before);
            System.out.println(output);

            before = bench.cpu();
            start = System.nanoTime();
            bench.direct(agentId, cases);
            double directSeconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> directCpu = since(bench.cpu(), before);

            System.out.printf("%n%-40s %16s %22s%n", "figure (" + cases + " cases of 2 turns)", "eval suite",
                    "same turns, no eval");
            System.out.printf("%-40s %16.1f %22.1f%n", "cases per second", cases / evalSeconds,
                    cases / directSeconds);
            for (String process : evalCpu.keySet()) {
                System.out.printf("%-40s %16.2f %22.2f%n", "CPU per case, " + process + " (ms)",
                        evalCpu.get(process) / 1e6 / cases, directCpu.get(process) / 1e6 / cases);
            }
        }
    }

    /** Half the cases call the clock and check the trajectory; the other half are judged (sim's rule). */
    static String suite(String agent, int cases) {
        StringBuilder yaml = new StringBuilder("name: bench " + agent + "\nagent: " + agent + "\ncases:\n");
        for (int i = 0; i < cases; i++) {
            yaml.append("  - name: case ").append(i).append("\n    turns:\n")
                    .append("      - user: What time is it? (").append(i).append(")\n        expect:\n")
                    .append("          - tool_called: clock\n          - contains: The tool says\n")
                    .append("      - user: Thanks ").append(i).append("\n        expect:\n")
                    .append("          - judge: 'The answer quotes \"Thanks ").append(i).append("\"'\n");
        }
        return yaml.toString();
    }

    private String eval(Path suite) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("./switchboard", "eval", suite.toString())
                .directory(Path.of(System.getProperty("switchboard.root", "..")).toFile()).redirectErrorStream(true);
        builder.environment().put("SWITCHBOARD_EVAL_URL", platform.urlOf("eval-runner"));
        builder.environment().put("SWITCHBOARD_TOKEN", Platform.ADMIN_TOKEN);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the eval did not pass:\n" + output);
        }
        return output;
    }

    /** The same two turns per case through the runtime's API, 8 conversations at a time, as eval-runner runs them. */
    private void direct(String agentId, int cases) throws Exception {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> workers = new java.util.ArrayList<>();
        for (int w = 0; w < 8; w++) {
            Thread worker = new Thread(() -> {
                try {
                    for (int i = next.getAndIncrement(); i < cases; i = next.getAndIncrement()) {
                        String session = JSON.readTree(post(platform.runtime(), "/api/sessions", "{\"agentId\":\""
                                + agentId + "\"}")).get("id").asText();
                        ended.addAndGet(conversation(session, "What time is it? (" + i + ")", "Thanks " + i));
                    }
                } catch (Exception | Error e) {
                    failures.add(e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (!failures.isEmpty() || ended.get() != 2 * cases) {
            throw new IllegalStateException(ended.get() + " of " + 2 * cases + " turns ended", failures.isEmpty() ? null
                    : failures.get(0));
        }
    }

    /**
     * Sends each message once the turn before it ended, following the session's event stream (SSE) as the UI does;
     * how many turns ended.
     */
    private int conversation(String session, String... messages) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(HttpRequest.newBuilder(
                        URI.create(platform.runtime() + "/api/sessions/" + session + "/stream"))
                .header("Authorization", "Bearer " + Platform.ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofLines());
        int ended = 0;
        try (java.util.stream.Stream<String> lines = stream.body()) {
            java.util.Iterator<String> events = lines.iterator();
            for (String message : messages) {
                post(platform.runtime(), "/api/sessions/" + session + "/messages", "{\"text\":\"" + message + "\"}");
                while (events.hasNext()) {
                    String line = events.next();
                    String event = line.startsWith("event:") ? line.substring(6).strip() : "";
                    if (event.equals("turn_completed") || event.equals("turn_failed")) {
                        ended++;
                        break;
                    }
                }
            }
        }
        return ended;
    }

    private Map<String, Long> cpu() {
        Map<String, Long> used = new LinkedHashMap<>();
        for (String service : PROCESSES) {
            used.put(service, cpuOf(ProcessHandle.of(platform.pidOf(service)).orElseThrow()));
        }
        used.put("postgres", ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").endsWith("/bin/postgres")).mapToLong(EvalBenchmark::cpuOf)
                .sum());
        return used;
    }

    private static Map<String, Long> since(Map<String, Long> now, Map<String, Long> before) {
        Map<String, Long> used = new LinkedHashMap<>();
        now.forEach((process, nanos) -> used.put(process, nanos - before.get(process)));
        return used;
    }

    private static long cpuOf(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    private String post(String base, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + Platform.ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }
}
