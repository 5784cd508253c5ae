package io.switchboard.runtime.tools;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.repository.HttpToolRepository.HttpToolDefinition;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP tool an operator defined: the model gives arguments (checked against the tool's schema); the request goes
 * to the tool's host only (a redirect elsewhere is refused), through the same SSRF guard as {@code http_request}.
 * Arguments fill the URL's {@code {placeholders}}, then go as the query (GET, DELETE) or as the JSON body; headers get
 * their secrets at call time, and neither the model nor the journal ever sees them.
 */
public final class OperatorHttpTool implements Tool {
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_]+)}");
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final HttpToolDefinition definition;
    private final HttpRequestTool http;
    private final Secrets secrets;
    private final ObjectMapper json;
    private final Map<String, Object> parameters;
    private final Map<String, String> headers;

    public OperatorHttpTool(HttpToolDefinition definition, HttpRequestTool http, Secrets secrets, ObjectMapper json) {
        this.definition = definition;
        this.http = http;
        this.secrets = secrets;
        this.json = json;
        try {
            // both were checked when the tool was defined
            this.parameters = json.readValue(definition.parameters(), OBJECT);
            this.headers = json.readValue(definition.headers(), Secrets.HEADERS);
        } catch (Exception e) {
            throw new IllegalStateException("the stored definition of tool " + definition.name() + " is not JSON", e);
        }
    }

    @Override
    public String name() {
        return definition.name();
    }

    @Override
    public String description() {
        return definition.description();
    }

    @Override
    public Map<String, Object> parameters() {
        return parameters;
    }

    @Override
    public Uni<String> call(String arguments, ToolContext context) {
        Map<String, Object> args;
        try {
            args = new LinkedHashMap<>(json.readValue(arguments, OBJECT));
        } catch (Exception e) {
            return Uni.createFrom().failure(new Rejected("arguments are not a JSON object"));
        }
        String url = fill(definition.url(), args);
        HttpMethod method = HttpMethod.valueOf(definition.method());
        boolean inBody = method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
        String body;
        Map<String, String> headers = this.headers;
        if (inBody) {
            try {
                body = json.writeValueAsString(args);
            } catch (Exception e) {
                return Uni.createFrom().failure(new Rejected("arguments cannot be sent: " + e.getMessage()));
            }
            headers = new LinkedHashMap<>(headers);
            headers.putIfAbsent("Content-Type", "application/json");
        } else {
            body = null;
            url = withQuery(url, args);
        }
        String target = url;
        Map<String, String> template = headers;
        String host = host(definition.url());
        return secrets.fill(definition.orgId(), template, host).flatMap(filled -> http.request(target, method, filled,
                body, context.idempotencyKey(), List.of(host)));
    }

    /** The host of a tool's URL (placeholders are only allowed in its path and query). */
    public static String host(String url) {
        return URI.create(PLACEHOLDER.matcher(url).replaceAll("x")).getHost();
    }

    /** Puts arguments into the URL's {placeholders} (they are used up there). */
    private static String fill(String url, Map<String, Object> args) {
        Matcher m = PLACEHOLDER.matcher(url);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object value = args.remove(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : encode(String.valueOf(value))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String withQuery(String url, Map<String, Object> args) {
        StringBuilder query = new StringBuilder();
        args.forEach((key, value) -> {
            if (value != null) {
                query.append(query.length() == 0 ? "" : "&").append(encode(key)).append('=')
                        .append(encode(value instanceof String text ? text : String.valueOf(value)));
            }
        });
        return query.length() == 0 ? url : url + (url.contains("?") ? "&" : "?") + query;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
