package io.switchboard.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.api.Problem;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * The audit log: every write of a management API ({@code /api}, not GET, not {@link DataPlane}), allowed or refused, is
 * appended to {@code identity.audit} before it is answered: who, which organization, from where, what, the status,
 * and what the write left behind (the answer's body, credentials and secret values removed).
 */
@IfBuildProperty(name = "switchboard.auth.callers", stringValue = "database", enableIfMissing = true)
public class AuditTrail {
    private static final Logger LOG = Logger.getLogger(AuditTrail.class);
    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
    /** Fields never written to the audit log, at any depth. */
    private static final Set<String> CONCEALED = Set.of("token", "value", "apikey", "api_key", "password",
            "secret", "key", "headers", "credential");

    /**
     * A routing context entry: the caller to record when the request itself had none (a sign-in names the person who
     * signed in).
     */
    public static final String ACTOR = "switchboard.audit.actor";

    private final Pool pool;
    private final CurrentIdentityAssociation identities;
    private final ObjectMapper json;
    private final String service;

    AuditTrail(Pool pool, CurrentIdentityAssociation identities, ObjectMapper json,
               @ConfigProperty(name = "quarkus.application.name") String service) {
        this.pool = pool;
        this.identities = identities;
        this.json = json;
        this.service = service;
    }

    @ServerResponseFilter
    public Uni<Void> record(ContainerRequestContext request, ContainerResponseContext response,
                            SimpleResourceInfo resource, RoutingContext routing) {
        HttpServerRequest http = routing.request();
        String path = request.getUriInfo().getPath();
        if (READS.contains(request.getMethod()) || !path.startsWith("/api/")) {
            return Uni.createFrom().voidItem();
        }
        Endpoint endpoint = endpoint(resource);
        if (endpoint != null && endpoint.dataPlane()) {
            return Uni.createFrom().voidItem();
        }
        String route = endpoint == null || endpoint.route() == null ? path : endpoint.route();
        return identities.getDeferredIdentity().onFailure().recoverWithNull().chain(identity -> {
            Caller caller = routing.get(ACTOR) instanceof Caller named ? named
                    : identity != null && identity.getPrincipal() instanceof Caller c ? c : null;
            return append(caller, source(http),
                    request.getMethod() + " " + route, path, response.getStatus(),
                    changes(response.getEntity()));
        }).onFailure().invoke(e -> LOG.errorf("could not write the audit entry of %s %s: %s",
                request.getMethod(), path, e)).onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Where a request came from: the peer's address, and the address it says it forwards for ({@code X-Forwarded-For},
     * as admin-ui sends the browser's) as a claim beside it, never in its place.
     */
    public static String source(HttpServerRequest http) {
        String peer = http.remoteAddress() == null ? null : http.remoteAddress().hostAddress();
        String forwarded = http.getHeader("X-Forwarded-For");
        if (forwarded == null || forwarded.isBlank()) {
            return peer;
        }
        String claimed = forwarded.strip();
        return storable((claimed.length() > 100 ? claimed.substring(0, 100) + "..." : claimed) + " via " + peer);
    }

    /** Appends an entry that no response filter sees (a sign-in, say). */
    public Uni<Void> append(Caller caller, String source, String action, String resource, int status,
                            JsonNode changes) {
        UUID org = caller == null ? null : caller.orgId();
        String actor = caller == null ? "anonymous" : caller.subject() + " (" + caller.tokenId() + ")";
        return pool.preparedQuery("""
                        insert into identity.audit (org_id, actor, source, service, action, resource, status, changes)
                        values ($1, $2, $3, $4, $5, $6, $7, $8)""")
                .execute(Tuple.from(new Object[] {org, actor, source, service, storable(action), storable(resource),
                        status, changes == null ? null : new JsonObject(changes.toString())}))
                .replaceWithVoid();
    }

    /**
     * PostgreSQL stores no NUL character and jsonb no unpaired surrogate, and a refused request may well have had
     * either (in its path, or echoed in the refusal): they are written as visible escapes.
     */
    static String storable(String text) {
        if (text == null || ApiInput.refused(text) == null) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair) {
                out.append(c).append(text.charAt(++i));
            } else if (c == 0 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * What the audit log needs of an endpoint: whether it is chat traffic, and its template ({@code /api/agents/{id}},
     * so entries group by what was done). Read by reflection once per endpoint, not on every request.
     */
    private record Endpoint(boolean dataPlane, String route) {
    }

    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    /** The endpoint that answered, or null when none matched (a path that does not exist). */
    private Endpoint endpoint(SimpleResourceInfo resource) {
        if (resource == null || resource.getResourceClass() == null) {
            return null;
        }
        Class<?> type = resource.getResourceClass();
        String key = type.getName() + "#" + resource.getMethodName() + Arrays.toString(resource.parameterTypes());
        return endpoints.computeIfAbsent(key, k -> {
            Path classPath = type.getAnnotation(Path.class);
            try {
                Method method = type.getMethod(resource.getMethodName(), resource.parameterTypes());
                Path methodPath = method.getAnnotation(Path.class);
                String route = ((classPath == null ? "" : classPath.value())
                        + (methodPath == null ? "" : "/" + methodPath.value())).replaceAll("/+", "/");
                return new Endpoint(type.isAnnotationPresent(DataPlane.class)
                        || method.isAnnotationPresent(DataPlane.class), route);
            } catch (NoSuchMethodException e) {
                return new Endpoint(type.isAnnotationPresent(DataPlane.class), null);
            }
        });
    }

    private JsonNode changes(Object entity) {
        if (entity == null) {
            return null;
        }
        if (entity instanceof Problem.Body problem) {
            ObjectNode refused = json.createObjectNode();
            refused.put("refused", storable(problem.detail()));
            return refused;
        }
        try {
            JsonNode node = json.valueToTree(entity);
            conceal(node);
            return node.isObject() ? node : json.createObjectNode().set("result", node);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Removes credentials and secret values, and makes the rest storable; at any depth. */
    private static void conceal(JsonNode node) {
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (CONCEALED.contains(field.getKey().toLowerCase(Locale.ROOT))) {
                    fields.remove();
                } else if (field.getValue().isTextual()) {
                    field.setValue(object.textNode(storable(field.getValue().asText())));
                } else {
                    conceal(field.getValue());
                }
            }
        } else if (node.isArray()) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    array.set(i, array.textNode(storable(array.get(i).asText())));
                } else {
                    conceal(array.get(i));
                }
            }
        }
    }
}
