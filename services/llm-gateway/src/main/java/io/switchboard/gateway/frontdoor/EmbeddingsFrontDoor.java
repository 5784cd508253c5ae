package io.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.context.Context;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.keys.FrontDoorGuard;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.routing.Router;
import io.switchboard.gateway.usage.CallMeter;
import io.switchboard.gateway.usage.CallRecorder;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * OpenAI's {@code POST /v1/embeddings}: a string or an array of strings in, a vector per input out (floats, or
 * base64 of little-endian float32 as OpenAI sends with {@code encoding_format: base64}). Routed, retried, keyed,
 * budgeted and recorded like a chat call.
 */
@ApplicationScoped
public class EmbeddingsFrontDoor {
    /** OpenAI's own limit on inputs per call. */
    static final int MAX_INPUTS = 2048;
    /** The most numbers one answer may hold (inputs times dimensions): a bound on the memory an answer takes. */
    static final long MAX_NUMBERS = 4L * 1024 * 1024;

    private final Router router;
    private final CallRecorder recorder;
    private final FrontDoorGuard guard;
    private final FrontDoorTraces traces;

    public EmbeddingsFrontDoor(Router router, CallRecorder recorder, FrontDoorGuard guard, FrontDoorTraces traces) {
        this.traces = traces;
        this.router = router;
        this.recorder = recorder;
        this.guard = guard;
    }

    void routes(@Observes io.vertx.ext.web.Router web) {
        web.post("/v1/embeddings").handler(BodyHandler.create(false).setBodyLimit(OpenAiFrontDoor.MAX_BODY_BYTES))
                .handler(this::embeddings);
    }

    private void embeddings(RoutingContext ctx) {
        Parsed parsed;
        try {
            parsed = parse(Json.MAPPER.readTree(ctx.body().buffer().getBytes()));
        } catch (FrontDoorRequest e) {
            StreamingResponder.json(ctx.response(), e.status, OpenAiFormat.error(e));
            return;
        } catch (Exception e) {
            StreamingResponder.json(ctx.response(), 400, OpenAiFormat.error(
                    FrontDoorRequest.invalid("the body is not valid JSON")));
            return;
        }
        Context trace = traces.of(ctx);
        StreamingResponder.whenAdmitted(ctx, guard, OpenAiFormat::error, key -> {
            // the call as the ledger sees it: its inputs count as its prompt, and it writes no output
            List<ChatMessage> inputs = parsed.inputs.stream().map(ChatMessage::user).toList();
            LlmRequest call = LlmRequest.of("embd-" + UUID.randomUUID(), null, null, parsed.model, inputs, List.of())
                    .withSettings(new GenerationSettings(null, null, null, 0, null, null, null, null, null, null,
                            null, null, parsed.user, null, false))
                    .forOrg(key.orgId().toString());
            CallMeter meter = recorder.start(call, trace);
            meter.apiKey(key.keyId(), key.budgeted());
            StreamingResponder.respond(ctx, () -> router.embed(call,
                            new ChatProvider.EmbeddingRequest(parsed.inputs, parsed.dimensions), meter::attempt),
                    false, new Format(parsed.model, parsed.base64), meter, recorder,
                    Duration.ZERO); // one JSON document, read whole: nothing waits for the client
        });
    }

    private record Parsed(String model, List<String> inputs, Integer dimensions, boolean base64, String user) {
    }

    static Parsed parse(JsonNode body) {
        String model = Json.text(body, "model");
        if (model == null || model.isBlank()) {
            throw FrontDoorRequest.invalid("'model' is required");
        }
        JsonNode input = body.get("input");
        List<String> inputs = new ArrayList<>();
        if (input != null && input.isTextual()) {
            inputs.add(input.asText());
        } else if (input != null && input.isArray()) {
            for (JsonNode item : input) {
                if (!item.isTextual()) {
                    throw FrontDoorRequest.invalid("input: an array of strings is taken (token arrays are not)");
                }
                inputs.add(item.asText());
            }
        } else {
            throw FrontDoorRequest.invalid("input: a string or an array of strings is required");
        }
        if (inputs.isEmpty() || inputs.size() > MAX_INPUTS) {
            throw FrontDoorRequest.invalid("input: from 1 to " + MAX_INPUTS + " strings");
        }
        if (inputs.stream().anyMatch(String::isEmpty)) {
            throw FrontDoorRequest.invalid("input: an empty string cannot be embedded");
        }
        JsonNode dimensions = body.get("dimensions");
        if (dimensions != null && !dimensions.isNull() && (!dimensions.isIntegralNumber() || dimensions.asInt() < 1
                || dimensions.asInt() > 65_536)) {
            throw FrontDoorRequest.invalid("dimensions: must be a whole number from 1 to 65536");
        }
        if (dimensions != null && !dimensions.isNull() && (long) dimensions.asInt() * inputs.size() > MAX_NUMBERS) {
            throw FrontDoorRequest.invalid("dimensions: inputs times dimensions may be at most " + MAX_NUMBERS
                    + " numbers a call; send fewer inputs");
        }
        String format = body.hasNonNull("encoding_format") ? body.get("encoding_format").asText() : "float";
        if (!format.equals("float") && !format.equals("base64")) {
            throw FrontDoorRequest.invalid("encoding_format: must be float or base64");
        }
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw FrontDoorRequest.invalid("user: must be a string");
        }
        return new Parsed(model, inputs, dimensions == null || dimensions.isNull() ? null : dimensions.asInt(),
                format.equals("base64"), user == null || user.isNull() ? null : user.asText());
    }

    /** Embeddings are answered whole (never streamed): only the document and the errors are written. */
    static final class Format implements StreamingResponder.Format {
        private final String model;
        private final boolean base64;

        Format(String model, boolean base64) {
            this.model = model;
            this.base64 = base64;
        }

        @Override
        public String opening() {
            return "";
        }

        @Override
        public String frame(ProviderEvent event) {
            return null;
        }

        @Override
        public String closing() {
            return "";
        }

        @Override
        public String inBandError(Throwable failure) {
            return "";
        }

        /** Written with a generator, not a tree: an answer may hold millions of numbers. */
        @Override
        public String document(List<ProviderEvent> events) {
            List<float[]> vectors = List.of();
            int tokens = 0;
            for (ProviderEvent event : events) {
                if (event instanceof ProviderEvent.Embeddings embeddings) {
                    vectors = embeddings.vectors();
                } else if (event instanceof ProviderEvent.Usage usage) {
                    tokens = usage.inputTokens();
                }
            }
            StringWriter text = new StringWriter();
            try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(text)) {
                json.writeStartObject();
                json.writeStringField("object", "list");
                json.writeArrayFieldStart("data");
                for (int i = 0; i < vectors.size(); i++) {
                    json.writeStartObject();
                    json.writeStringField("object", "embedding");
                    json.writeNumberField("index", i);
                    if (base64) {
                        json.writeStringField("embedding", encode(vectors.get(i)));
                    } else {
                        json.writeArrayFieldStart("embedding");
                        for (float value : vectors.get(i)) {
                            json.writeNumber(value);
                        }
                        json.writeEndArray();
                    }
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeStringField("model", model);
                json.writeObjectFieldStart("usage");
                json.writeNumberField("prompt_tokens", tokens);
                json.writeNumberField("total_tokens", tokens);
                json.writeEndObject();
                json.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return text.toString();
        }

        /** OpenAI's base64 form: the float32 values, little-endian, one after another. */
        static String encode(float[] vector) {
            ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float value : vector) {
                bytes.putFloat(value);
            }
            return Base64.getEncoder().encodeToString(bytes.array());
        }

        @Override
        public int status(Throwable failure) {
            return OpenAiFormat.status(failure);
        }

        @Override
        public String errorBody(Throwable failure) {
            return OpenAiFormat.error(failure);
        }
    }
}
