package io.switchboard.runtime.messaging;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.CancelTurn;
import io.switchboard.contracts.agent.ResumeTurn;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.runtime.service.SessionService;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Takes {@code agent.commands}: journals each command, queues its work in the session's mailbox and acks at once
 * (a record held unacked for a minute would close the consumer). A command that cannot be acted on (unreadable,
 * unknown session or agent, invalid fields) goes to {@code agent.commands.dlq} with the reason.
 */
@ApplicationScoped
public class CommandConsumer {
    static final String CHANNEL = "agent-commands";
    private static final Logger LOG = Logger.getLogger(CommandConsumer.class);

    private final SessionService sessions;

    public CommandConsumer(SessionService sessions) {
        this.sessions = sessions;
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
                // a database hiccup is retried; only a command that is wrong goes to the dead-letter topic
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(8)
                .flatMap(rejection -> {
                    if (rejection == null) {
                        return Uni.createFrom().completionStage(message.ack());
                    }
                    LOG.warnf("rejected command %s: %s", command, rejection);
                    return Uni.createFrom().completionStage(message.nack(new InvalidCommand(rejection)));
                })
                // still failing after the retries (database down for long): park it on the dead-letter topic
                // with the reason rather than lose it or stall the partition
                .onFailure().recoverWithUni(e -> {
                    LOG.errorf(e, "could not journal command %s", command);
                    return Uni.createFrom().completionStage(message.nack(e));
                });
    }

    /** Why a command was sent to the dead-letter topic. */
    static final class InvalidCommand extends RuntimeException {
        InvalidCommand(String reason) {
            super(reason, null, false, false);
        }
    }
}
