package io.switchboard.gateway.cost;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTableTest {
    private final PriceTable prices = new PriceTable(Map.of("gpt-4o-mini",
            new PriceTable.Price(new BigDecimal("0.15"), new BigDecimal("0.60"), new BigDecimal("0.075"))));

    @Test
    void billsInputOutputAndCachedInputAtTheirRates() {
        // 1,000,000 input of which 400,000 cached, 100,000 output
        assertThat(prices.cost("gpt-4o-mini", 1_000_000, 100_000, 400_000))
                .isEqualByComparingTo("0.18"); // 0.6 * 0.15 + 0.4 * 0.075 + 0.1 * 0.60 = 0.09 + 0.03 + 0.06
    }

    @Test
    void aModelWithoutAPriceHasNoCostRatherThanAFreeOne() {
        assertThat(prices.cost("mystery", 1000, 1000, 0)).isNull();
        assertThat(prices.knows("mystery")).isFalse();
    }

    @Test
    void theBundledTablePricesTheModelsPeopleUseAndTheOperatorsPricesWin() {
        PriceTable bundled = PriceTable.bundled(Map.of("gpt-4o", new PriceTable.Price(BigDecimal.ONE, BigDecimal.ONE,
                BigDecimal.ONE)));
        for (String model : new String[] {"gpt-4o-mini", "gpt-4.1", "gpt-5", "o3", "claude-sonnet-4-5",
                "claude-opus-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash", "mistral-large-latest",
                "deepseek-v4-pro", "text-embedding-3-small"}) {
            assertThat(bundled.knows(model)).as(model).isTrue();
        }
        assertThat(bundled.cost("claude-sonnet-4-5", 1_000_000, 1_000_000, 0)).isEqualByComparingTo("18"); // 3 + 15
        assertThat(bundled.cost("gpt-4o", 1_000_000, 0, 0)).isEqualByComparingTo("1");
    }

    @Test
    void cachedTokensNeverExceedTheInput() {
        assertThat(prices.cost("gpt-4o-mini", 100, 0, 500)).isEqualByComparingTo(
                new BigDecimal("0.075").multiply(BigDecimal.valueOf(100)).divide(BigDecimal.valueOf(1_000_000)));
    }
}
