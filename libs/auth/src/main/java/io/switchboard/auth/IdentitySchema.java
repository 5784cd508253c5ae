package io.switchboard.auth;

import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * Migrates the shared {@code identity} schema at start-up (every service that checks tokens does; Flyway's lock lets
 * only one at a time) and, when {@code switchboard.bootstrap.admin-token} is set, makes sure that token exists: the
 * platform administrator's token in the default organization, as an owner. `./switchboard up` sets it from
 * {@code .switchboard/admin-token}.
 */
@ApplicationScoped
@IfBuildProperty(name = "switchboard.auth.callers", stringValue = "database", enableIfMissing = true)
public class IdentitySchema {
    private static final Logger LOG = Logger.getLogger(IdentitySchema.class);
    public static final String DEFAULT_ORG_ID = "00000000-0000-0000-0000-000000000001";
    public static final UUID DEFAULT_ORG = UUID.fromString(DEFAULT_ORG_ID);

    void migrate(@Observes @Priority(10) StartupEvent start, DataSource dataSource,
                 @ConfigProperty(name = "switchboard.bootstrap.admin-token") Optional<String> adminToken)
            throws SQLException {
        Flyway flyway = Flyway.configure().dataSource(dataSource).schemas("identity").createSchemas(true)
                .locations("classpath:db/identity").load();
        for (int attempt = 1; ; attempt++) {
            try {
                flyway.migrate();
                break;
            } catch (RuntimeException e) { // two services creating the schema at the same moment: the loser tries again
                if (attempt == 3) {
                    throw e;
                }
                LOG.infof("identity schema: migration attempt %d failed (%s); trying again", attempt, e.getMessage());
            }
        }
        if (adminToken.isPresent() && !adminToken.get().isBlank()) {
            try (var connection = dataSource.getConnection(); var insert = connection.prepareStatement("""
                    insert into identity.tokens (id, org_id, kind, name, role, platform_admin, hash, created_by)
                    values (?, ?, 'api', 'admin', 'owner', true, ?, 'bootstrap') on conflict (hash) do nothing""")) {
                insert.setObject(1, UUID.randomUUID());
                insert.setObject(2, DEFAULT_ORG);
                insert.setString(3, Tokens.hash(adminToken.get().strip()));
                insert.executeUpdate();
            }
        }
    }
}
