package io.switchboard.traces;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * Migrates the shared {@code traces} schema at start-up: agent-runtime and llm-gateway both write spans there (Flyway's
 * lock lets one migrate at a time).
 */
@ApplicationScoped
public class TraceSchema {
    private static final Logger LOG = Logger.getLogger(TraceSchema.class);

    void migrate(@Observes @Priority(11) StartupEvent start, DataSource dataSource) {
        Flyway flyway = Flyway.configure().dataSource(dataSource).schemas("traces").createSchemas(true)
                .locations("classpath:db/traces").load();
        for (int attempt = 1; ; attempt++) {
            try {
                flyway.migrate();
                return;
            } catch (RuntimeException e) { // two services creating the schema at the same moment: the loser tries again
                if (attempt == 3) {
                    throw e;
                }
                LOG.infof("traces schema: migration attempt %d failed (%s); trying again", attempt, e.getMessage());
            }
        }
    }
}
