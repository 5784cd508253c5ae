package io.switchboard.gateway.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/**
 * Prices in US dollars per million tokens, by upstream model name. Cached input tokens are billed at their own rate
 * (most vendors discount them). A call on a model without a price has no cost (null): the usage API and pages show it
 * as unpriced, never as free.
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

    /**
     * The table bundled with the gateway ({@code prices.json}: models.dev's list prices of the model vendors, with its
     * source and the day it was taken; {@code prices/import.mjs} refreshes it), with {@code overrides} (the
     * operator's {@code gateway.prices.*}) on top.
     */
    public static PriceTable bundled(Map<String, Price> overrides) {
        Map<String, Price> all = new HashMap<>();
        try (InputStream in = PriceTable.class.getResourceAsStream("/prices.json")) {
            JsonNode models = new ObjectMapper().readTree(in).path("models");
            models.fields().forEachRemaining(model -> all.put(model.getKey(), new Price(
                    model.getValue().path("input").decimalValue(), model.getValue().path("output").decimalValue(),
                    model.getValue().path("cachedInput").decimalValue())));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the bundled price table (prices.json) cannot be read", e);
        }
        all.putAll(overrides);
        return new PriceTable(all);
    }

    public boolean knows(String model) {
        return model != null && prices.containsKey(model);
    }

    /** The cost of the tokens, or null when the model has no price. */
    public BigDecimal cost(String model, int inputTokens, int outputTokens, int cachedInputTokens) {
        Price price = model == null ? null : prices.get(model);
        if (price == null) {
            return null;
        }
        int cached = Math.min(cachedInputTokens, inputTokens);
        return price.input().multiply(BigDecimal.valueOf(inputTokens - cached))
                .add(price.cachedInput().multiply(BigDecimal.valueOf(cached)))
                .add(price.output().multiply(BigDecimal.valueOf(outputTokens)))
                .divide(MILLION, MathContext.DECIMAL64);
    }
}
