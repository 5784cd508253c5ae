package io.switchboard.auth;

import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Who may read {@code /q/metrics} (Prometheus): a scraper holding {@code switchboard.metrics.token}
 * ({@code SWITCHBOARD_METRICS_TOKEN}, sent as {@code Authorization: Bearer ...}); with no token set, only this
 * machine (a scraper on the same host, or `./switchboard up`'s user). The metrics name deployments, models and tools of
 * every organization: not for the organizations' own callers.
 */
@ApplicationScoped
public class MetricsGuard {
    private static final String PATH = "/q/metrics";

    void register(@Observes Filters filters,
                  @ConfigProperty(name = "switchboard.metrics.token") Optional<String> configured) {
        byte[] token = configured.filter(t -> !t.isBlank())
                .map(t -> ("Bearer " + t.strip()).getBytes(StandardCharsets.UTF_8)).orElse(null);
        filters.register(rc -> {
            String path = rc.normalizedPath();
            if (!path.equals(PATH) && !path.startsWith(PATH + "/")) {
                rc.next();
                return;
            }
            if (token != null) {
                String given = rc.request().getHeader("Authorization");
                if (given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
                    rc.next();
                } else {
                    rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer").end();
                }
            } else if (rc.request().remoteAddress() != null && isLoopback(rc.request().remoteAddress().hostAddress())
                    && !rc.request().headers().contains("X-Forwarded-For")
                    && !rc.request().headers().contains("Forwarded")) { // not passed on by a proxy on this machine
                rc.next();
            } else {
                rc.response().setStatusCode(403).end("set SWITCHBOARD_METRICS_TOKEN to scrape from elsewhere");
            }
        }, 500);
    }

    private static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.startsWith("::ffff:127.") || address.equals("::1")
                || address.equals("0:0:0:0:0:0:0:1");
    }
}
