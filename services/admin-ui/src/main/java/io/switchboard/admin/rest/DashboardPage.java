package io.switchboard.admin.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.GatewayClient;
import io.switchboard.admin.client.GatewayClient.SeriesPoint;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Dashboards: charts over time of the organization's model calls (calls, errors, tokens, cost split by model,
 * deployment, agent or key; latency and time-to-first-chunk percentiles; turns per minute and active sessions), from
 * the gateway's ledger (its hourly rollups for the ranges in hours or days); platform administrators may see the whole platform's, also split by organization. The page
 * carries each chart's data; uPlot draws it in the browser.
 */
@Path("/dashboards")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class DashboardPage {
    /** The ranges offered, each with the bucket it is drawn in. */
    static final Map<String, Duration[]> RANGES = new LinkedHashMap<>();
    static {
        RANGES.put("1h", new Duration[] {Duration.ofHours(1), Duration.ofMinutes(1)});
        RANGES.put("24h", new Duration[] {Duration.ofDays(1), Duration.ofMinutes(15)});
        RANGES.put("7d", new Duration[] {Duration.ofDays(7), Duration.ofHours(2)});
        RANGES.put("30d", new Duration[] {Duration.ofDays(30), Duration.ofDays(1)});
        RANGES.put("90d", new Duration[] {Duration.ofDays(90), Duration.ofDays(1)});
    }
    static final List<String> SPLITS = List.of("model", "deployment", "agent", "key");
    static final List<String> PLATFORM_SPLITS = List.of("org", "model", "deployment", "agent", "key");
    /** The series a split chart draws at most: the keys with the most calls. */
    private static final int MAX_SERIES = 8;

    /** A chart: its title, what its values are in, and its data (JSON: {@code x}, then {@code series}). */
    public record Chart(String id, String title, String unit, String data) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance show(String range, String by, String scope, boolean platformAdmin,
                                            List<String> ranges, List<String> splits, List<Chart> charts,
                                            String error);
    }

    private final GatewayClient gateway;
    private final RuntimeClient runtime;
    private final ObjectMapper json;

    public DashboardPage(@RestClient GatewayClient gateway, @RestClient RuntimeClient runtime, ObjectMapper json) {
        this.gateway = gateway;
        this.runtime = runtime;
        this.json = json;
    }

    @GET
    public Uni<TemplateInstance> show(@QueryParam("range") String range, @QueryParam("by") String by,
                                      @QueryParam("scope") String scope, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        boolean admin = Caller.of(security).platformAdmin();
        String s = admin && "platform".equals(scope) ? "platform" : "org";
        List<String> splits = s.equals("platform") ? PLATFORM_SPLITS : SPLITS;
        String r = range != null && RANGES.containsKey(range) ? range : "24h";
        String split = by != null && splits.contains(by) ? by : splits.get(0);
        Duration step = RANGES.get(r)[1];
        Instant to = Instant.ofEpochSecond(Instant.now().getEpochSecond() / step.toSeconds() * step.toSeconds())
                .plus(step);
        Instant from = to.minus(RANGES.get(r)[0]);
        List<String> ranges = List.copyOf(RANGES.keySet());
        // the gateway knows agents by id: their names are the runtime's (this organization's)
        Uni<Map<String, String>> names = !split.equals("agent") ? Uni.createFrom().item(Map.of())
                : runtime.agents(auth).map(agents -> {
                    Map<String, String> byId = new HashMap<>();
                    agents.forEach(agent -> byId.put(agent.id().toString(), agent.name()));
                    return byId;
                }).onFailure().recoverWithItem(Map.of());
        return Uni.combine().all().unis(gateway.series(auth, from.toString(), to.toString(), step.toSeconds(), split,
                                s),
                        gateway.series(auth, from.toString(), to.toString(), step.toSeconds(), "all", s), names)
                .asTuple()
                .map(all -> Templates.show(r, split, s, admin, ranges, splits,
                        charts(all.getItem1(), all.getItem2(), all.getItem3(), from, to, step), null))
                .onFailure().recoverWithItem(e -> Templates.show(r, split, s, admin, ranges, splits, List.of(),
                        Problems.describe(e)));
    }

    List<Chart> charts(List<SeriesPoint> split, List<SeriesPoint> all, Map<String, String> labels, Instant from,
                       Instant to, Duration step) {
        List<Instant> buckets = new ArrayList<>();
        for (Instant b = from; b.isBefore(to); b = b.plus(step)) {
            buckets.add(b);
        }
        double perMinute = 60.0 / step.toSeconds();
        List<Chart> charts = new ArrayList<>();
        charts.add(split("calls", "Calls", "calls", split, labels, buckets, p -> p.calls()));
        charts.add(split("errors", "Errors", "calls", split, labels, buckets, p -> p.errors()));
        charts.add(split("tokens", "Tokens (input + output)", "tokens", split, labels, buckets,
                p -> p.inputTokens() + p.outputTokens()));
        charts.add(split("cost", "Cost", "USD", split, labels, buckets,
                p -> p.costUsd() == null ? 0 : p.costUsd().doubleValue()));
        charts.add(chart("latency", "Latency percentiles", "ms", buckets, all, new String[] {"p50", "p95", "p99"},
                List.of(SeriesPoint::latencyP50, SeriesPoint::latencyP95, SeriesPoint::latencyP99)));
        charts.add(chart("ttft", "Time to first chunk percentiles", "ms", buckets, all, new String[] {"p50", "p95"},
                List.of(SeriesPoint::ttftP50, SeriesPoint::ttftP95)));
        charts.add(chart("turns", "Turns per minute", "turns/min", buckets, all, new String[] {"turns"},
                List.of(p -> p.turns() * perMinute)));
        // the series counts a session once per hour it had a call in: over longer buckets, an hourly average
        double hours = Math.max(1, step.toSeconds() / 3600.0);
        charts.add(chart("sessions", hours > 1 ? "Active sessions per hour (with a model call in it; average)"
                        : "Active sessions (with a model call in the bucket)", "sessions", buckets, all,
                new String[] {"active sessions"}, List.of(p -> p.sessions() / hours)));
        return charts;
    }

    /**
     * One series per key (the most-called first), zero where a key had no call in a bucket; the keys past
     * {@link #MAX_SERIES} added up as one more series, "other (N)", so that the lines still add up to the whole.
     */
    private Chart split(String id, String title, String unit, List<SeriesPoint> points, Map<String, String> labels,
                        List<Instant> buckets, ToDoubleFunction<SeriesPoint> value) {
        Map<String, Long> callsByKey = new HashMap<>();
        points.forEach(p -> callsByKey.merge(p.key(), p.calls(), Long::sum));
        List<String> keys = callsByKey.keySet().stream()
                .sorted(Comparator.comparing((String k) -> -callsByKey.get(k)).thenComparing(k -> k)).toList();
        Map<String, Double[]> lines = new LinkedHashMap<>();
        keys.stream().limit(MAX_SERIES).forEach(k -> lines.put(k, zeros(buckets.size())));
        Double[] other = keys.size() > MAX_SERIES ? zeros(buckets.size()) : null;
        Map<Instant, Integer> index = index(buckets);
        for (SeriesPoint p : points) {
            Double[] line = lines.getOrDefault(p.key(), other);
            Integer at = index.get(p.bucket());
            if (line != null && at != null) {
                line[at] += value.applyAsDouble(p);
            }
        }
        Map<String, Double[]> labelled = new LinkedHashMap<>();
        lines.forEach((key, line) -> labelled.put(labels.getOrDefault(key, key), line));
        if (other != null) {
            labelled.put("other (" + (keys.size() - MAX_SERIES) + ")", other);
        }
        return new Chart(id, title, unit, data(buckets, labelled));
    }

    /** Named series from the unsplit points; null (a gap) where a bucket had no call. */
    private Chart chart(String id, String title, String unit, List<Instant> buckets, List<SeriesPoint> points,
                        String[] names, List<Function<SeriesPoint, Number>> values) {
        Map<String, Double[]> lines = new LinkedHashMap<>();
        Map<Instant, Integer> index = index(buckets);
        for (int i = 0; i < names.length; i++) {
            Double[] line = new Double[buckets.size()];
            for (SeriesPoint p : points) {
                Integer at = index.get(p.bucket());
                Number v = values.get(i).apply(p);
                if (at != null && v != null) {
                    line[at] = v.doubleValue();
                }
            }
            lines.put(names[i], line);
        }
        return new Chart(id, title, unit, data(buckets, lines));
    }

    private String data(List<Instant> buckets, Map<String, Double[]> lines) {
        ObjectNode out = json.createObjectNode();
        ArrayNode x = out.putArray("x");
        buckets.forEach(b -> x.add(b.getEpochSecond()));
        ArrayNode series = out.putArray("series");
        lines.forEach((name, values) -> {
            ObjectNode one = series.addObject().put("label", name);
            ArrayNode v = one.putArray("values");
            for (Double d : values) {
                if (d == null) {
                    v.addNull();
                } else {
                    v.add(Math.round(d * 1e6) / 1e6);
                }
            }
        });
        return out.toString();
    }

    private static Map<Instant, Integer> index(List<Instant> buckets) {
        Map<Instant, Integer> index = new HashMap<>();
        for (int i = 0; i < buckets.size(); i++) {
            index.put(buckets.get(i), i);
        }
        return index;
    }

    private static Double[] zeros(int n) {
        Double[] out = new Double[n];
        Arrays.fill(out, 0.0);
        return out;
    }
}
