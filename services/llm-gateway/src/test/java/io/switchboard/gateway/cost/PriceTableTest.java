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
    void aModelWithoutAPriceCostsNothingAndIsNotKnown() {
        assertThat(prices.cost("mystery", 1000, 1000, 0)).isEqualByComparingTo("0");
        assertThat(prices.knows("mystery")).isFalse();
    }

    @Test
    void cachedTokensNeverExceedTheInput() {
        assertThat(prices.cost("gpt-4o-mini", 100, 0, 500)).isEqualByComparingTo(
                new BigDecimal("0.075").multiply(BigDecimal.valueOf(100)).divide(BigDecimal.valueOf(1_000_000)));
    }
}
