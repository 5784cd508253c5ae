package io.switchboard.runtime.messaging;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.switchboard.api.Unavailable;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.CancelTurn;
import io.switchboard.contracts.agent.ResumeTurn;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.service.SessionService;
import io.switchboard.traces.SessionLogs;
import jakarta.enterprise.context.ApplicationScoped;
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
                .onFailure(Unavailable::database).retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5))
                .expireIn(config.message().journalRetry().toMillis())
                .onFailure(e -> !Unavailable.database(e)).retry()
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
