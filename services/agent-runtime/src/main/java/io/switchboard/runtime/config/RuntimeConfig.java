package io.switchboard.runtime.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** agent-runtime settings ({@code runtime.*}). */
@ConfigMapping(prefix = "runtime")
public interface RuntimeConfig {

    Message message();

    Turn turn();

    Tools tools();

    Recovery recovery();

    Mcp mcp();

    SubAgents subAgents();

    SignIn signIn();

    Schedules schedules();

    Background background();

    Retention retention();

    Webhooks webhooks();

    /**
     * Keys that seal tool secrets, {@code id:base64key,...} ({@code SWITCHBOARD_MASTER_KEYS}, the gateway's too): the
     * first seals, all open. None: secrets cannot be stored.
     */
    Optional<String> masterKeys();

    /**
     * Turns nobody typed (schedules' ticks, webhook deliveries') may run at most this many at once, per organization
     * and per agent; more wait their turn (their jobs are deferred), so a runaway schedule or a webhook storm does not
     * flood the command topic people's messages go through.
     */
    interface Background {
        @WithDefault("20")
        int maxTurnsPerOrg();

        @WithDefault("5")
        int maxTurnsPerAgent();
    }

    /** How long the runtime keeps what it keeps; an age of 0 (or none) keeps it for good. */
    interface Retention {
        /** Sessions and their journals, by their last turn; kept by default. */
        Optional<Duration> sessions();

        /** Ended jobs (done, failed, cancelled). */
        @WithDefault("30d")
        Duration jobs();

        /** Webhook deliveries taken: a delivery id older than this is taken as new again. */
        @WithDefault("30d")
        Duration webhookDeliveries();

        @WithDefault("90d")
        Duration scheduleRuns();
    }

    interface Schedules {
        /**
         * Ticks missed while no replica ran (the platform down, or restarting) are run late when they are at most this
         * old; older ones are skipped (and logged).
         */
        @WithDefault("1h")
        Duration catchUp();

        /** The shortest time a schedule may leave between two ticks (a cron with seconds ticks every second). */
        @WithDefault("10s")
        Duration minInterval();
    }

    interface Webhooks {
        /** A delivery with a larger body is refused (413). */
        @WithDefault("262144")
        int maxBodyBytes();

        /** How far a delivery's signed time may be from now. */
        @WithDefault("5m")
        Duration tolerance();

        /** How long a webhook's previous secret is still taken after its secret is rotated. */
        @WithDefault("24h")
        Duration rotationGrace();

        /** Where senders reach this service ({@code http://host:port}); unset: the address the webhook was made at. */
        Optional<String> baseUrl();
    }

    interface SignIn {
        /** Failed sign-ins a user name may have before it may try only once a minute. */
        @WithDefault("5")
        int failuresPerName();

        /**
         * Failed sign-ins one calling address may have before it may try only once every 3 seconds. Sign-ins through
         * the UI all come from admin-ui's address (admin-ui counts browsers' itself): mostly a bound on the CPU that
         * password checks take.
         */
        @WithDefault("200")
        int failuresPerAddress();
    }

    interface SubAgents {
        /**
         * How deep agents may ask agents: a session people or programs open is at depth 0, a sub-agent's at its
         * asker's plus one; a call past this is refused (the model is told).
         */
        @WithDefault("3")
        int maxDepth();
    }

    interface Mcp {
        /**
         * Browser origins allowed to call {@code /mcp} (e.g. {@code http://localhost:8080}); a request with any other
         * {@code Origin} header is refused (403), as the MCP spec asks, against DNS rebinding.
         */
        Optional<List<String>> allowedOrigins();
    }

    interface Recovery {
        /**
         * How long a runner's hold on a session lasts without renewal. A replica that dies loses its sessions this
         * long after its last renewal; then another replica resumes their unfinished turns.
         */
        @WithDefault("15s")
        Duration lease();

        /** How often a runner renews its leases (well under {@code lease}). */
        @WithDefault("5s")
        Duration heartbeat();

        /** How often each replica looks for unfinished turns no live runner holds. */
        @WithDefault("5s")
        Duration sweepInterval();

        /**
         * How long a stopping replica lets its running turns go on to their end; then those still running stop at
         * their last committed step and another replica goes on with them. Well under the pod's grace period.
         */
        @WithDefault("20s")
        Duration drain();

        /** Runners a turn may have; a turn that took down more than this many is failed with {@code runner_crashed}. */
        @WithDefault("3")
        int maxAttempts();
    }

    interface Message {
        /** Longest user message accepted, in characters; longer ones get 413. */
        @WithDefault("32000")
        int maxChars();

        /**
         * How long a command that could not be journaled (PostgreSQL down or unreachable) is retried, its partition
         * waiting, before it goes to {@code agent.commands.dlq}. Messages were answered 202: an outage shorter than
         * this loses none of them. Keep it under the channel's {@code throttled.unprocessed-record-max-age.ms}.
         */
        @WithDefault("10m")
        Duration journalRetry();
    }

    interface Turn {
        /** How many times one turn may go model -> tools -> model before it fails with {@code tool_loop_limit}. */
        @WithDefault("8")
        int maxToolRounds();

        /** Wall-clock limit of one turn; past it the turn fails with {@code turn_timeout}. */
        @WithDefault("5m")
        Duration timeout();
    }

    interface Tools {
        /** Limit for one tool call. */
        @WithDefault("30s")
        Duration timeout();

        /** Longest tool result kept, in characters; a longer one is cut (it is sent with every later model call). */
        @WithDefault("20000")
        int maxResultChars();

        /** Tool calls of one turn's step that run at once; the rest wait. */
        @WithDefault("4")
        int maxParallel();

        /** Tool calls running at once in this replica, all sessions together. */
        @WithDefault("64")
        int maxConcurrent();

        Http http();

        interface Http {
            /**
             * Internal hosts the {@code http_request} tool may call although they resolve to private addresses
             * ({@code host} or {@code host:port}); an agent's allow-list still applies. Nothing by default.
             */
            Optional<List<String>> trustedHosts();
        }
    }
}
