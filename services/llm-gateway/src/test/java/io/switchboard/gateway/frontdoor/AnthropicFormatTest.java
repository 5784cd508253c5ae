package io.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.Json;
import org.junit.jupiter.api.Test;

class AnthropicFormatTest {

    @Test
    void structuredOutputIsCarriedAsAJsonSchemaResponseFormat() {
        for (String body : new String[] {
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"output_config\":{\"format\":{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}}}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"output_format\":{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}}"}) {
            LlmRequest request = AnthropicFormat.toRequest("r", Json.read(body));
            assertThat(request.responseFormat()).containsEntry("type", "json_schema");
            assertThat(Json.MAPPER.valueToTree(request.responseFormat()).path("json_schema").path("schema").path("type").asText())
                    .isEqualTo("object");
        }
    }

    @Test
    void withoutAFormatTheAnswerIsFreeText() {
        LlmRequest request = AnthropicFormat.toRequest("r",
                Json.read("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertThat(request.responseFormat()).isNull();
    }
}
