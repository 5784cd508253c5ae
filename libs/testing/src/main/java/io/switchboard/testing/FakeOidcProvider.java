package io.switchboard.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An OpenID Connect provider for tests, wire-exact where clients look (OpenID Connect Core and Discovery 1.0): the
 * discovery document, the JWKS, an authorization endpoint whose page asks only for a user name (a person types it in
 * the browser), and a token endpoint that trades the code for an RS256-signed ID token. It also mints ID tokens for
 * tests that hand one over directly, signed with its key or with a stranger's.
 */
public final class FakeOidcProvider implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final HttpServer server;
    private final KeyPair key = rsa();
    private final String keyId = "fake-" + UUID.randomUUID().toString().substring(0, 8);
    private final String clientId;
    /** Codes handed out and not yet traded: code -> the ID token's claims. */
    private final Map<String, Map<String, Object>> codes = new ConcurrentHashMap<>();

    public FakeOidcProvider(String clientId) throws IOException {
        this.clientId = clientId;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/jwks", exchange -> json(exchange, 200, Map.of("keys", List.of(jwk()))));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
    }

    /** The issuer, as clients are configured with it. */
    public String issuer() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** An ID token of this provider for {@code username}, for the audience given. */
    public String idToken(String username, String audience) {
        return sign(claims(username, audience, null), key);
    }

    /** The same ID token, signed with a key that is not this provider's. */
    public String forgedIdToken(String username) {
        return sign(claims(username, clientId, null), rsa());
    }

    private Map<String, Object> claims(String username, String audience, String nonce) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer());
        claims.put("sub", "subject-of-" + username);
        claims.put("aud", audience);
        claims.put("iat", now);
        claims.put("auth_time", now);
        claims.put("exp", now + 300);
        claims.put("preferred_username", username);
        claims.put("email", username + "@example.com");
        claims.put("name", username);
        if (nonce != null) {
            claims.put("nonce", nonce);
        }
        return claims;
    }

    private String sign(Map<String, Object> claims, KeyPair signer) {
        try {
            String header = B64.encodeToString(JSON.writeValueAsBytes(Map.of("alg", "RS256", "typ", "JWT",
                    "kid", keyId)));
            String payload = B64.encodeToString(JSON.writeValueAsBytes(claims));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(signer.getPrivate());
            rs256.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + B64.encodeToString(rs256.sign());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> jwk() {
        RSAPublicKey pub = (RSAPublicKey) key.getPublic();
        return Map.of("kty", "RSA", "use", "sig", "alg", "RS256", "kid", keyId,
                "n", B64.encodeToString(unsigned(pub.getModulus())),
                "e", B64.encodeToString(unsigned(pub.getPublicExponent())));
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    private void discovery(HttpExchange exchange) throws IOException {
        String issuer = issuer();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuer);
        document.put("authorization_endpoint", issuer + "/authorize");
        document.put("token_endpoint", issuer + "/token");
        document.put("jwks_uri", issuer + "/jwks");
        document.put("response_types_supported", List.of("code"));
        document.put("subject_types_supported", List.of("public"));
        document.put("id_token_signing_alg_values_supported", List.of("RS256"));
        document.put("scopes_supported", List.of("openid", "profile", "email"));
        document.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        json(exchange, 200, document);
    }

    /** GET: a page asking who you are; POST: back to the client with a code. */
    private void authorize(HttpExchange exchange) throws IOException {
        if (exchange.getRequestMethod().equals("GET")) {
            Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
            if (!"code".equals(query.get("response_type")) || !clientId.equals(query.get("client_id"))) {
                text(exchange, 400, "unsupported_response_type or unknown client_id");
                return;
            }
            StringBuilder hidden = new StringBuilder();
            for (String name : List.of("redirect_uri", "state", "nonce")) {
                if (query.get(name) != null) {
                    hidden.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"")
                            .append(html(query.get(name))).append("\">");
                }
            }
            byte[] page = ("<!doctype html><title>Fake identity provider</title><form method=\"post\""
                    + " action=\"/authorize\" data-testid=\"idp-sign-in\">" + hidden
                    + "<label>User <input name=\"username\"></label><button type=\"submit\">Continue</button></form>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
            return;
        }
        Map<String, String> body = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String code = UUID.randomUUID().toString();
        codes.put(code, claims(body.get("username"), clientId, body.get("nonce")));
        String back = body.get("redirect_uri") + (body.get("redirect_uri").contains("?") ? "&" : "?") + "code=" + code
                + (body.get("state") == null ? "" : "&state=" + URLEncoder.encode(body.get("state"),
                StandardCharsets.UTF_8));
        exchange.getResponseHeaders().set("Location", back);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private void token(HttpExchange exchange) throws IOException {
        Map<String, String> body = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Map<String, Object> claims = codes.remove(String.valueOf(body.get("code")));
        if (!"authorization_code".equals(body.get("grant_type")) || claims == null) {
            json(exchange, 400, Map.of("error", "invalid_grant"));
            return;
        }
        json(exchange, 200, Map.of("access_token", UUID.randomUUID().toString(), "token_type", "Bearer",
                "expires_in", 300, "id_token", sign(claims, key)));
    }

    private static Map<String, String> form(String encoded) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return fields;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            fields.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return fields;
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static void text(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
