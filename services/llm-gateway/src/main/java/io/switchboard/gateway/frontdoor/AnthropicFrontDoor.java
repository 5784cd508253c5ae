package io.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.context.Context;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolSpec;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.keys.FrontDoorGuard;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.routing.Deployments;
import io.switchboard.gateway.routing.Router;
import io.switchboard.gateway.usage.CallMeter;
import io.switchboard.gateway.usage.CallRecorder;
import io.switchboard.tokens.TokenCounter;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Anthropic-compatible front door: {@code POST /v1/messages}, streamed or not, with tools, so the Anthropic SDKs and
 * the clients built on them (Claude Code among them) can use the gateway; and {@code POST /v1/messages/count_tokens},
 * counted here by the platform's one token counter (an estimate for Claude's tokenizer: within some percent).
 */
@ApplicationScoped
public class AnthropicFrontDoor {
    private final Router router;
    private final CallRecorder recorder;
    private final FrontDoorGuard guard;
    private final Duration sendTimeout;
    private final Deployments deployments;
    private final TokenCounter counter;
    private final FrontDoorTraces traces;

    public AnthropicFrontDoor(Router router, CallRecorder recorder, FrontDoorGuard guard, Deployments deployments,
                              TokenCounter counter, GatewayConfig config, FrontDoorTraces traces) {
        this.traces = traces;
        this.router = router;
        this.sendTimeout = config.frontDoors().sendTimeout();
        this.recorder = recorder;
        this.guard = guard;
        this.deployments = deployments;
        this.counter = counter;
    }

    void routes(@Observes io.vertx.ext.web.Router web) {
        web.post("/v1/messages").handler(BodyHandler.create(false).setBodyLimit(OpenAiFrontDoor.MAX_BODY_BYTES))
                .handler(this::messages);
        web.post("/v1/messages/count_tokens")
                .handler(BodyHandler.create(false).setBodyLimit(OpenAiFrontDoor.MAX_BODY_BYTES))
                .handler(this::countTokens);
    }

    /** {@code {"input_tokens": n}}: the messages, system prompt and tools, as the model would be sent them. */
    private void countTokens(RoutingContext ctx) {
        LlmRequest request;
        try {
            request = AnthropicFormat.toRequest("count", Json.MAPPER.readTree(ctx.body().buffer().getBytes()));
        } catch (FrontDoorRequest e) {
            StreamingResponder.json(ctx.response(), e.status, Json.write(AnthropicFormat.errorObject(e)));
            return;
        } catch (Exception e) {
            StreamingResponder.json(ctx.response(), 400, Json.write(AnthropicFormat.errorObject(
                    FrontDoorRequest.invalid("the body is not valid JSON"))));
            return;
        }
        StreamingResponder.whenAdmitted(ctx, guard, e -> Json.write(AnthropicFormat.errorObject(e)), key -> {
            if (deployments.route(key.orgId(), request.model()).isEmpty()) {
                FrontDoorRequest unknown = new FrontDoorRequest(404, "not_found_error",
                        "model: no deployment serves '" + request.model() + "'", null);
                StreamingResponder.json(ctx.response(), 404, Json.write(AnthropicFormat.errorObject(unknown)));
                return;
            }
            // counting a large body takes a while (and the first count loads the encoding): not on the event loop
            ctx.vertx().executeBlocking(() -> {
                int tokens = 0;
                for (ChatMessage message : request.messages()) {
                    tokens += counter.count(message);
                }
                for (ToolSpec tool : request.tools()) {
                    tokens += counter.count(tool.name()) + counter.count(tool.description())
                            + counter.count(Json.MAPPER.valueToTree(tool.parameters()).toString());
                }
                return tokens;
            }, false).onComplete(counted -> {
                if (counted.succeeded()) {
                    StreamingResponder.json(ctx.response(), 200, "{\"input_tokens\":" + counted.result() + "}");
                } else {
                    ctx.fail(counted.cause());
                }
            });
        });
    }

    private void messages(RoutingContext ctx) {
        String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        LlmRequest request;
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ctx.body().buffer().getBytes());
            request = AnthropicFormat.toRequest(id, body);
        } catch (FrontDoorRequest e) {
            StreamingResponder.json(ctx.response(), e.status, Json.write(AnthropicFormat.errorObject(e)));
            return;
        } catch (Exception e) {
            FrontDoorRequest invalid = FrontDoorRequest.invalid("the body is not valid JSON");
            StreamingResponder.json(ctx.response(), 400, Json.write(AnthropicFormat.errorObject(invalid)));
            return;
        }
        Context trace = traces.of(ctx);
        StreamingResponder.whenAdmitted(ctx, guard, e -> Json.write(AnthropicFormat.errorObject(e)), key -> {
            LlmRequest call = request.forOrg(key.orgId().toString()); // the key's organization's models and usage
            CallMeter meter = recorder.start(call, trace);
            meter.apiKey(key.keyId(), key.budgeted());
            StreamingResponder.respond(ctx, () -> router.stream(call, meter::attempt),
                    body.path("stream").asBoolean(false), new Format(id, request.model()), meter, recorder,
                    sendTimeout);
        });
    }

    /** One response's events: content blocks opened and closed as the kind of content changes. */
    private static final class Format implements StreamingResponder.Format {
        private final String id;
        private final String model;
        private int index = -1;
        private String openBlock;
        private ProviderEvent.Usage usage = new ProviderEvent.Usage(0, 0, 0);

        Format(String id, String model) {
            this.id = id;
            this.model = model;
        }

        @Override
        public String opening() {
            ObjectNode message = AnthropicFormat.message(id, model);
            message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
            ObjectNode start = Json.MAPPER.createObjectNode().put("type", "message_start");
            start.set("message", message);
            return AnthropicFormat.event("message_start", start);
        }

        @Override
        public String frame(ProviderEvent event) {
            StringBuilder out = new StringBuilder();
            if (event instanceof ProviderEvent.TextDelta text) {
                open(out, "text");
                out.append(delta("text_delta", "text", text.text()));
            } else if (event instanceof ProviderEvent.ReasoningDelta reasoning) {
                open(out, "thinking");
                out.append(delta("thinking_delta", "thinking", reasoning.text()));
            } else if (event instanceof ProviderEvent.ReasoningSignature signed) {
                open(out, "thinking"); // the signature ends its thinking block
                out.append(delta("signature_delta", "signature", signed.signature()));
                close(out);
            } else if (event instanceof ProviderEvent.ToolCall call) {
                close(out);
                index++;
                ObjectNode start = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
                start.putObject("content_block").put("type", "tool_use").put("id", call.id()).put("name", call.name())
                        .putObject("input");
                out.append(AnthropicFormat.event("content_block_start", start));
                out.append(delta("input_json_delta", "partial_json", call.arguments()));
                openBlock = "tool_use";
                close(out);
            } else if (event instanceof ProviderEvent.Usage u) {
                usage = u;
            } else if (event instanceof ProviderEvent.Finish finish) {
                close(out);
                ObjectNode messageDelta = Json.MAPPER.createObjectNode().put("type", "message_delta");
                messageDelta.putObject("delta").put("stop_reason", AnthropicFormat.stopReason(finish.reason()))
                        .putNull("stop_sequence");
                messageDelta.putObject("usage").put("input_tokens", usage.inputTokens() - usage.cachedInputTokens())
                        .put("output_tokens", usage.outputTokens())
                        .put("cache_read_input_tokens", usage.cachedInputTokens());
                out.append(AnthropicFormat.event("message_delta", messageDelta));
            }
            return out.length() == 0 ? null : out.toString();
        }

        private void open(StringBuilder out, String type) {
            if (type.equals(openBlock)) {
                return;
            }
            close(out);
            index++;
            ObjectNode start = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
            ObjectNode block = start.putObject("content_block").put("type", type);
            if (type.equals("text")) {
                block.put("text", "");
            } else {
                block.put("thinking", "").put("signature", "");
            }
            out.append(AnthropicFormat.event("content_block_start", start));
            openBlock = type;
        }

        private void close(StringBuilder out) {
            if (openBlock != null) {
                out.append(AnthropicFormat.event("content_block_stop", Json.MAPPER.createObjectNode()
                        .put("type", "content_block_stop").put("index", index)));
                openBlock = null;
            }
        }

        private String delta(String type, String field, String value) {
            ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
            delta.putObject("delta").put("type", type).put(field, value);
            return AnthropicFormat.event("content_block_delta", delta);
        }

        @Override
        public String closing() {
            return AnthropicFormat.event("message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop"));
        }

        @Override
        public String inBandError(Throwable failure) {
            return AnthropicFormat.event("error", AnthropicFormat.errorObject(failure));
        }

        @Override
        public String document(List<ProviderEvent> events) {
            return AnthropicFormat.document(id, model, events);
        }

        @Override
        public int status(Throwable failure) {
            return AnthropicFormat.status(failure);
        }

        @Override
        public String errorBody(Throwable failure) {
            return Json.write(AnthropicFormat.errorObject(failure));
        }
    }
}
