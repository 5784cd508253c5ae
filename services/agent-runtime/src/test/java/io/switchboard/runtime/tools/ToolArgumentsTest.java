package io.switchboard.runtime.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ToolArgumentsTest {
    private static final ToolContext CONTEXT = new ToolContext("s/t/c", java.util.List.of(), null);
    private final ObjectMapper json = new ObjectMapper();
    private final CalculatorTool calculator = new CalculatorTool(json);
    private final ToolArguments arguments = new ToolArguments(json);

    @Test
    void argumentsThatFitTheSchemaPass() {
        assertThat(arguments.problems(calculator, "{\"expression\":\"1 + 1\"}")).isNull();
    }

    @Test
    void missingWrongTypedExtraOrUnreadableArgumentsAreNamed() {
        assertThat(arguments.problems(calculator, "{}")).contains("invalid arguments for calculator")
                .contains("expression");
        assertThat(arguments.problems(calculator, "{\"expression\":42}")).contains("string");
        assertThat(arguments.problems(calculator, "{\"expression\":\"1\",\"shell\":\"rm\"}")).contains("shell");
        assertThat(arguments.problems(calculator, "{not json")).contains("not JSON");
    }

    @Test
    void theCalculatorIsExactAndRejectsWhatItCannotEvaluate() {
        assertThat(calculator.call("{\"expression\":\"(1.5 + 2) * 4\"}", CONTEXT).await().atMost(Duration.ofSeconds(1)))
                .isEqualTo("14");
        assertThat(calculator.call("{\"expression\":\"0.1 + 0.2\"}", CONTEXT).await().atMost(Duration.ofSeconds(1)))
                .isEqualTo("0.3");
        assertThatThrownBy(() -> calculator.call("{\"expression\":\"2 +\"}", CONTEXT).await().atMost(Duration.ofSeconds(1)))
                .isInstanceOf(Tool.Rejected.class).hasMessageContaining("cannot evaluate");
    }
}
