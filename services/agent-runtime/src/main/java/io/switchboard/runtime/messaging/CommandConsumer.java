package io.switchboard.runtime.messaging;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.CancelTurn;
import io.switchboard.contracts.agent.ResumeTurn;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.service.SessionService;
import io.switchboard.traces.SessionLogs;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.ConnectException;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Takes {@code agent.commands}: journals each command, queues its work in the session's mailbox and acks at once
 * (a turn may run for minutes; only while PostgreSQL is down does a record wait, see {@code journalRetry}). A command
 * that cannot be acted on (unreadable, unknown session or agent, invalid fields) goes to {@code agent.commands.dlq}
 * with the reason.
 */
@ApplicationScoped
public class CommandConsumer {
    static final String CHANNEL = "agent-commands";
    private static final Logger LOG = Logger.getLogger(CommandConsumer.class);

    private final SessionService sessions;
    private final RuntimeConfig config;

    public CommandConsumer(SessionService sessions, RuntimeConfig config) {
        this.sessions = sessions;
        this.config = config;
    }

    @Incoming(CHANNEL)
    public Uni<Void> onCommand(Message<AgentCommand> message) {
        AgentCommand command = message.getPayload();
        Uni<String> handled;
        if (command instanceof StartSession start) {
            handled = sessions.openFromCommand(start);
        } else if (command instanceof UserMessage user) {
            // the turn runs later, in the session's mailbox: it carries the command's trace along
            handled = sessions.acceptFromCommand(user, TracingMetadata.fromMessage(message)
                    .map(TracingMetadata::getCurrentContext).orElse(Context.root()));
        } else if (command instanceof CancelTurn cancel) {
            handled = sessions.cancelFromCommand(cancel);
        } else if (command instanceof ResumeTurn resume) {
            handled = sessions.resumeFromCommand(resume);
        } else {
            handled = Uni.createFrom().item("unreadable command");
        }
        return handled
                // a database that is down or unreachable is waited for (the channel waits with it: commands keep
                // their order); another failure is tried a few more times; a command that is wrong goes to the
                // dead-letter topic at once
                .onFailure().invoke(e -> logged(command, () -> LOG.warnf("could not journal command %s, trying"
                        + " again: %s", command, e.getMessage())))
                .onFailure(CommandConsumer::databaseUnavailable).retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5))
                .expireIn(config.message().journalRetry().toMillis())
                .onFailure(e -> !databaseUnavailable(e)).retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(8)
                .flatMap(rejection -> {
                    if (rejection == null) {
                        return Uni.createFrom().completionStage(message.ack());
                    }
                    logged(command, () -> LOG.warnf("rejected command %s: %s", command, rejection));
                    return Uni.createFrom().completionStage(message.nack(new InvalidCommand(rejection)));
                })
                // still failing after all that time (database down for long): park it on the dead-letter topic
                // with the reason rather than lose it or stall the partition
                .onFailure().recoverWithUni(e -> {
                    logged(command, () -> LOG.errorf(e, "could not journal command %s", command));
                    return Uni.createFrom().completionStage(message.nack(e));
                });
    }

    /**
     * Whether the failure is PostgreSQL being down or out of reach (refused or lost connections, a pool that cannot
     * get one, the server shutting down or out of connections), which waiting cures; not a fault of the command.
     */
    public static boolean databaseUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedConnectionException
                    || (t instanceof VertxException && "Timeout waiting for connection".equals(t.getMessage()))) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null && (pg.getSqlState().startsWith("08")
                    || pg.getSqlState().startsWith("57P") || pg.getSqlState().equals("53300"))) {
                return true;
            }
        }
        return false;
    }

    /** Why a command was sent to the dead-letter topic. */
    static final class InvalidCommand extends RuntimeException {
        InvalidCommand(String reason) {
            super(reason, null, false, false);
        }
    }

    /** A line about the command carries its session's ids (JSON logs show them). */
    private static void logged(AgentCommand command, Runnable line) {
        SessionLogs.log(command == null ? null : command.sessionId(), null, line);
    }
}
