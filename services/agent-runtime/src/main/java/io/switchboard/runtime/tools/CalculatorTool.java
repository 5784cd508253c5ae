package io.switchboard.runtime.tools;

import com.ezylang.evalex.EvaluationException;
import com.ezylang.evalex.Expression;
import com.ezylang.evalex.parser.ParseException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/**
 * Built-in: evaluates an arithmetic expression exactly (EvalEx: decimal arithmetic, functions such as SQRT, ROUND,
 * MIN, MAX), so the model does not have to do sums in its head.
 */
@ApplicationScoped
public class CalculatorTool implements Tool {
    static final int MAX_EXPRESSION = 1000;
    private final ObjectMapper json;

    public CalculatorTool(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return "calculator";
    }

    @Override
    public String description() {
        return "Evaluates an arithmetic expression exactly, e.g. \"(1.5 + 2) * 3 / 7\" or \"SQRT(2) ^ 2\".";
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("type", "object", "required", List.of("expression"), "additionalProperties", false,
                "properties", Map.of("expression", Map.of("type", "string", "minLength", 1,
                        "maxLength", MAX_EXPRESSION, "description", "The expression to evaluate")));
    }

    @Override
    public Uni<String> call(String arguments, ToolContext context) {
        return Uni.createFrom().item(() -> {
            String expression;
            try {
                expression = json.readTree(arguments).path("expression").asText();
            } catch (Exception e) {
                throw new Rejected("arguments are not JSON");
            }
            try {
                return new Expression(expression).evaluate().getStringValue();
            } catch (EvaluationException | ParseException e) {
                throw new Rejected("cannot evaluate \u201c" + expression + "\u201d: " + e.getMessage());
            }
        });
    }
}
