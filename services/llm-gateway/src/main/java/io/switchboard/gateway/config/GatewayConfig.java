package io.switchboard.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** llm-gateway settings ({@code gateway.*}). */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    Sim sim();

    Calls calls();

    Routing routing();

    /**
     * Master keys that seal stored credentials: {@code id:base64key,...} (32-byte AES keys), the first one current.
     * From the environment ({@code SWITCHBOARD_MASTER_KEYS}) or a Kubernetes Secret, never from a committed file.
     */
    Optional<String> masterKeys();

    Auth auth();

    Tracing tracing();

    Retention retention();

    Usage usage();

    FrontDoors frontDoors();

    /** The OpenAI- and Anthropic-compatible HTTP APIs. */
    interface FrontDoors {
        /**
         * How long a streamed answer waits for a client that reads none of it before its call is stopped and its
         * connection closed (as nginx's {@code send_timeout}); {@code 0}: as long as the call's deadline. A client
         * that reads slowly holds the upstream back.
         */
        @WithDefault("60s")
        Duration sendTimeout();

        /**
         * Whether a streamed call to the OpenAI-compatible API that an OpenAI-compatible deployment answers gets the
         * deployment's chunks as it sent them (its own {@code id}, its model's name, its tool-call fragments), as a
         * proxy would, instead of chunks the gateway writes (its call id, the model as asked for). The gateway reads
         * every chunk all the same: for usage, the ledger and the trace.
         */
        @WithDefault("true")
        boolean passThrough();
    }

    /** How long the gateway keeps its records; none: for good. */
    interface Retention {
        /**
         * Model-call records (the ledger: the Usage page, traces, dashboards' last hours), by when the call started;
         * kept by default. None goes before it is rolled up. Organizations' and keys' spend this month is kept apart.
         */
        Optional<Duration> calls();

        /** The hourly usage rollups (the dashboards' long ranges), by their hour; kept by default. */
        Optional<Duration> usage();
    }

    /** The hourly rollups of the call ledger. */
    interface Usage {
        /** When the ledger's ended hours are rolled up (cron, five fields, UTC); {@code off}: never. */
        @WithDefault("5 * * * *")
        String rollup();
    }

    /**
     * Internal hosts ({@code host} or {@code host:port}) that deployments added through the API may point at; any
     * other base URL must resolve to public addresses only (the SSRF guard). Deployments from configuration are the
     * operator's own and are not checked.
     */
    Optional<List<String>> trustedHosts();

    interface Tracing {
        /**
         * Whether call spans carry the prompt and the answer ({@code gen_ai.input.messages},
         * {@code gen_ai.output.messages}, {@code gen_ai.system_instructions}). Off by default: they may hold personal
         * or secret data, and they make spans large.
         */
        @WithDefault("false")
        boolean captureContent();
    }

    interface Auth {
        /**
         * Whether the front doors ({@code /v1/...}) require a virtual API key ({@code Authorization: Bearer} or
         * {@code x-api-key}); keys are made with {@code POST /api/keys}.
         */
        @WithDefault("true")
        boolean requireApiKey();
    }

    /**
     * Deployments by name: {@code gateway.deployments.<name>.provider=openai|openai-compatible|anthropic|ollama|sim},
     * {@code .base-url}, {@code .model} (the upstream model), {@code .api-key} (from the environment; a deployment of a
     * keyed provider without a key is left out), and the optional limits below.
     */
    Map<String, DeploymentConfig> deployments();

    /**
     * Model aliases: {@code gateway.aliases.<alias>=deployment-a,deployment-b} tries the deployments in that order
     * (priority with fallback). A deployment's own name also works as a model.
     */
    Map<String, List<String>> aliases();

    /**
     * How an alias picks among its deployments: {@code gateway.alias-strategies.<alias>=priority} (the default: in
     * order, the next only on failure), {@code weighted} (by {@code weight}, then the rest in order) or
     * {@code least-busy} (fewest calls in flight first).
     */
    Map<String, String> aliasStrategies();

    /**
     * Where a request goes when it is too long for a model's context window:
     * {@code gateway.context-fallbacks.<model>=<model with a larger window>} (an alias or a deployment).
     */
    Map<String, String> contextFallbacks();

    /**
     * Prices by upstream model, in US dollars per million tokens: {@code gateway.prices."<model>".input},
     * {@code .output}, {@code .cached-input} (defaults to the input price).
     */
    Map<String, PriceConfig> prices();

    interface PriceConfig {
        java.math.BigDecimal input();

        java.math.BigDecimal output();

        Optional<java.math.BigDecimal> cachedInput();
    }

    interface DeploymentConfig {
        String provider();

        Optional<String> baseUrl();

        /** The model name upstream; defaults to the deployment's name. */
        Optional<String> model();

        Optional<String> apiKey();

        /** Retries on this deployment (retryable failures only, before the first chunk) before falling back. */
        @WithDefault("2")
        int maxRetries();

        @WithDefault("5s")
        Duration connectTimeout();

        /** Time allowed until the response starts. */
        @WithDefault("60s")
        Duration firstByteTimeout();

        /** Time allowed between two pieces of a streamed response. */
        @WithDefault("30s")
        Duration idleTimeout();

        /** Output token limit sent upstream; 0 sends none (Anthropic then gets 4096, which it requires). */
        @WithDefault("0")
        int maxTokens();

        /**
         * Go on without the generation settings this deployment's vendor has no field for (the call records what it
         * went without), instead of refusing the call with a 400 that names them.
         */
        @WithDefault("false")
        boolean dropUnsupported();

        /** Share of an alias's traffic under the {@code weighted} strategy. */
        @WithDefault("1")
        int weight();

        /** Calls in flight at once; a full deployment is passed over like one cooling down. 0: no limit. */
        @WithDefault("0")
        int maxConcurrent();

        /** Requests per minute (this replica's share of the provider's quota); at the limit it is passed over. 0: none. */
        @WithDefault("0")
        int requestsPerMinute();

        /** Input + output tokens per minute, counted from each call's usage; at the limit it is passed over. 0: none. */
        @WithDefault("0")
        int tokensPerMinute();
    }

    interface Routing {
        /** First retry delay; it doubles per retry, with full jitter. */
        @WithDefault("500ms")
        Duration backoffBase();

        @WithDefault("8s")
        Duration backoffMax();

        /** A {@code Retry-After} longer than this is not waited for: the next deployment is tried instead. */
        @WithDefault("60s")
        Duration retryAfterCap();

        /** Consecutive failures that put a deployment in cooldown. */
        @WithDefault("3")
        int failuresToCoolDown();

        /** How long a failing deployment gets no traffic before one probe request is let through. */
        @WithDefault("30s")
        Duration cooldown();

        /** The most one call may take, retries and fallbacks included; past it the call fails with {@code timeout}. */
        @WithDefault("10m")
        Duration totalTimeout();
    }

    interface Sim {
        /** Pause between two streamed chunks of the offline {@code sim} model; 0 streams as fast as it can. */
        @WithDefault("40ms")
        Duration tokenInterval();
    }

    interface Calls {
        /** How often finished calls are settled in {@code gateway.llm_calls} (their outcome, tokens and cost). */
        @WithDefault("1s")
        Duration flushInterval();

        /**
         * How long a stopping replica lets the calls under way go on to their end: first those from Kafka (its share
         * of {@code llm.requests} waits meanwhile, so this stays under the requesters' 15 s of allowed silence), then,
         * after the shutdown delay, those through its HTTP front doors. Then they end {@code interrupted}.
         */
        @WithDefault("10s")
        Duration drain();

        /** How often calls left running by a replica that died are looked for and settled as interrupted. */
        @WithDefault("1m")
        Duration sweepInterval();

        /**
         * After a call could not be opened in the ledger, how long calls wait for their row before they go upstream
         * (instead of going out while it is written).
         */
        @WithDefault("30s")
        Duration ledgerDoubt();
    }
}
