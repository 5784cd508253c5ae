package io.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.context.Context;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.keys.FrontDoorGuard;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.routing.Deployments;
import io.switchboard.gateway.routing.Router;
import io.switchboard.gateway.usage.CallMeter;
import io.switchboard.gateway.usage.CallRecorder;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * OpenAI-compatible front door: {@code POST /v1/chat/completions} (streamed or not, with tools) and
 * {@code GET /v1/models}, so any OpenAI SDK or tool can use the gateway. Plain Vert.x routes: the hot path pays for no
 * framework layer it does not need.
 */
@ApplicationScoped
public class OpenAiFrontDoor {
    /**
     * The largest request body (checked against Content-Length before anything is read, and as it arrives); uploads
     * are not taken (BodyHandler.create(false): a multipart body is never written to disk).
     */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final Router router;
    private final Deployments deployments;
    private final CallRecorder recorder;
    private final FrontDoorGuard guard;
    private final Duration sendTimeout;
    private final FrontDoorTraces traces;
    private final boolean passThrough;

    public OpenAiFrontDoor(Router router, Deployments deployments, CallRecorder recorder, FrontDoorGuard guard,
                           GatewayConfig config, FrontDoorTraces traces) {
        this.traces = traces;
        this.router = router;
        this.deployments = deployments;
        this.recorder = recorder;
        this.guard = guard;
        this.sendTimeout = config.frontDoors().sendTimeout();
        this.passThrough = config.frontDoors().passThrough();
    }

    void routes(@Observes io.vertx.ext.web.Router web) {
        web.get("/v1/models").handler(this::models);
        web.post("/v1/chat/completions").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
                .handler(this::chatCompletions);
    }

    private void models(RoutingContext ctx) {
        StreamingResponder.whenAdmitted(ctx, guard, OpenAiFormat::error, key -> {
            ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = list.putArray("data");
            for (String model : deployments.models(key.orgId())) {
                data.addObject().put("id", model).put("object", "model").put("created", 0)
                        .put("owned_by", "switchboard");
            }
            StreamingResponder.json(ctx.response(), 200, Json.write(list));
        });
    }

    private void chatCompletions(RoutingContext ctx) {
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        LlmRequest request;
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ctx.body().buffer().getBytes());
            request = OpenAiFormat.toRequest(id, body);
        } catch (FrontDoorRequest e) {
            StreamingResponder.json(ctx.response(), e.status, OpenAiFormat.error(e));
            return;
        } catch (Exception e) {
            FrontDoorRequest invalid = FrontDoorRequest.invalid("the body is not valid JSON");
            StreamingResponder.json(ctx.response(), 400, OpenAiFormat.error(invalid));
            return;
        }
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        Context trace = traces.of(ctx);
        StreamingResponder.whenAdmitted(ctx, guard, OpenAiFormat::error, key -> {
            LlmRequest call = request.forOrg(key.orgId().toString()); // the key's organization's models and usage
            CallMeter meter = recorder.start(call, trace);
            meter.apiKey(key.keyId(), key.budgeted());
            boolean stream = body.path("stream").asBoolean(false);
            // the deployment's chunks as sent are asked for only where they may be passed on
            StreamingResponder.respond(ctx, () -> router.stream(call, meter::attempt, stream && passThrough), stream,
                    new Format(id, request.model(), includeUsage, passThrough), meter, recorder, sendTimeout);
        });
    }

    /**
     * Writes a stream's chunks, or passes on the deployment's own when it speaks this format ({@code passThrough} and
     * its first event is a {@link ProviderEvent.Verbatim}): then the client gets what the deployment sent, less the
     * usage it did not ask for, and one stream never mixes chunks of both kinds.
     */
    static final class Format implements StreamingResponder.Format {
        private final String id;
        private final String model;
        private final long created;
        private final boolean includeUsage;
        private final String chunkStart;
        private final boolean passThrough;
        private boolean settled;
        private boolean passing;
        private boolean first = true;
        private int toolIndex;
        private ProviderEvent.Usage usage;

        Format(String id, String model, boolean includeUsage, boolean passThrough) {
            this(id, model, System.currentTimeMillis() / 1000, includeUsage, passThrough);
        }

        Format(String id, String model, long created, boolean includeUsage, boolean passThrough) {
            this.id = id;
            this.model = model;
            this.created = created;
            this.includeUsage = includeUsage;
            this.passThrough = passThrough;
            this.chunkStart = OpenAiFormat.chunkStart(id, model, created);
        }

        @Override
        public String opening() {
            return "";
        }

        @Override
        public String frame(ProviderEvent event) {
            if (!settled) {
                settled = true; // a stream's kind is settled by its first event
                passing = passThrough && event instanceof ProviderEvent.Verbatim;
            }
            if (event instanceof ProviderEvent.Verbatim sent) {
                if (!passing || sent.usageOnly() && !includeUsage) {
                    return null;
                }
                // one data line per chunk: a line break in it can only be whitespace between JSON tokens (the
                // chunk was read as one JSON value, whose strings hold no raw control characters)
                String data = sent.data();
                return "data: " + (data.indexOf('\n') < 0 && data.indexOf('\r') < 0 ? data
                        : data.replace('\n', ' ').replace('\r', ' ')) + "\n\n";
            }
            if (passing) {
                return null; // what was read from a chunk passed on
            }
            if (event instanceof ProviderEvent.Usage u) {
                usage = u;
                return null;
            }
            String chunk = OpenAiFormat.chunk(chunkStart, event, first, toolIndex);
            if (chunk == null) {
                return null;
            }
            first = false;
            if (event instanceof ProviderEvent.ToolCall) {
                toolIndex++;
            }
            return "data: " + chunk + "\n\n";
        }

        @Override
        public String closing() {
            String usageChunk = !passing && includeUsage && usage != null
                    ? "data: " + OpenAiFormat.usageChunk(id, model, created, usage) + "\n\n" : "";
            return usageChunk + "data: [DONE]\n\n";
        }

        @Override
        public String inBandError(Throwable failure) {
            return "data: " + OpenAiFormat.error(failure) + "\n\n";
        }

        @Override
        public String document(List<ProviderEvent> events) {
            return OpenAiFormat.completion(id, model, created, events);
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
