package io.switchboard.admin.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.admin.client.GatewayClient.SeriesPoint;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardPageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant FROM = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void theKeysPastTheEighthAreAddedUpAsOtherSoTheLinesAddUpToTheWhole() throws Exception {
        List<SeriesPoint> split = new ArrayList<>();
        for (int k = 1; k <= 11; k++) { // model-1 has the fewest calls, model-11 the most
            split.add(point(FROM, "model-" + k, 10L * k));
            split.add(point(FROM.plusSeconds(60), "model-" + k, k));
        }
        split.add(point(FROM.plusSeconds(60), "model-12", 5)); // a key with a call in one bucket only

        List<DashboardPage.Chart> charts = new DashboardPage(null, null, JSON)
                .charts(split, List.of(), Map.of(), FROM, FROM.plusSeconds(120), Duration.ofMinutes(1));
        JsonNode calls = JSON.readTree(charts.stream().filter(c -> c.id().equals("calls")).findFirst().orElseThrow()
                .data());

        List<String> labels = new ArrayList<>();
        calls.get("series").forEach(s -> labels.add(s.get("label").asText()));
        assertThat(labels).containsExactly("model-11", "model-10", "model-9", "model-8", "model-7", "model-6",
                "model-5", "model-4", "other (4)");
        JsonNode other = calls.get("series").get(8).get("values");
        assertThat(other.get(0).asDouble()).isEqualTo(10 + 20 + 30); // model-1 to -3; model-12 had none
        assertThat(other.get(1).asDouble()).isEqualTo(1 + 2 + 3 + 5);
        double total = 0;
        for (JsonNode s : calls.get("series")) {
            total += s.get("values").get(0).asDouble();
        }
        assertThat(total).isEqualTo(10 * (11 * 12 / 2));
    }

    @Test
    void eightKeysOrFewerHaveNoOther() throws Exception {
        List<SeriesPoint> split = List.of(point(FROM, "a", 2), point(FROM, "b", 1));
        List<DashboardPage.Chart> charts = new DashboardPage(null, null, JSON)
                .charts(split, List.of(), Map.of("a", "Agent A"), FROM, FROM.plusSeconds(60), Duration.ofMinutes(1));
        JsonNode cost = JSON.readTree(charts.stream().filter(c -> c.id().equals("cost")).findFirst().orElseThrow()
                .data());
        assertThat(cost.get("series")).extracting(s -> s.get("label").asText()).containsExactly("Agent A", "b");
    }

    private static SeriesPoint point(Instant bucket, String key, long calls) {
        return new SeriesPoint(bucket, key, calls, 0, calls * 10, calls * 20, BigDecimal.valueOf(calls), null, null,
                null, null, null, 0, 0);
    }
}
