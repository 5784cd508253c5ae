package io.switchboard.gateway.cost;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Prices in US dollars per million tokens, by upstream model name. Cached input tokens are billed at their own rate
 * (most vendors discount them); a model without a price costs 0 and is reported as unpriced by the usage API.
 */
public final class PriceTable {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** The rates of one model. */
    public record Price(BigDecimal input, BigDecimal output, BigDecimal cachedInput) {
    }

    private final Map<String, Price> prices;

    public PriceTable(Map<String, Price> prices) {
        this.prices = Map.copyOf(prices);
    }

    /** An amount as the API shows it: no trailing zeros and never in E notation (not 0E-9, not 2.5E+1). */
    public static BigDecimal plain(BigDecimal amount) {
        if (amount == null) {
            return null;
        }
        return amount.setScale(Math.max(0, amount.stripTrailingZeros().scale()), RoundingMode.UNNECESSARY);
    }

    public boolean knows(String model) {
        return model != null && prices.containsKey(model);
    }

    public BigDecimal cost(String model, int inputTokens, int outputTokens, int cachedInputTokens) {
        Price price = model == null ? null : prices.get(model);
        if (price == null) {
            return BigDecimal.ZERO;
        }
        int cached = Math.min(cachedInputTokens, inputTokens);
        return price.input().multiply(BigDecimal.valueOf(inputTokens - cached))
                .add(price.cachedInput().multiply(BigDecimal.valueOf(cached)))
                .add(price.output().multiply(BigDecimal.valueOf(outputTokens)))
                .divide(MILLION, MathContext.DECIMAL64);
    }
}
