package io.switchboard.runtime.tools;

import com.fasterxml.jackson.core.type.TypeReference;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.SsrfGuard;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.SecretRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secrets for tools: sealed with the master keys ({@code SWITCHBOARD_MASTER_KEYS}, as the gateway's provider keys)
 * when stored, opened only to fill a header at call time, and only for a host the secret names: a tool or MCP server
 * pointed elsewhere cannot carry it away.
 */
@ApplicationScoped
public class Secrets {
    /** How headers are stored (a JSON object of strings) wherever their values may name secrets. */
    public static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    /** How a header value names a secret. */
    public static final Pattern REFERENCE = Pattern.compile("\\{\\{secret:([A-Za-z0-9_.-]+)}}");

    private final SecretRepository store;
    private final SecretCipher cipher;

    public Secrets(SecretRepository store, RuntimeConfig config) {
        this.store = store;
        this.cipher = SecretCipher.fromSpec(config.masterKeys().orElse(""));
    }

    public boolean canStore() {
        return cipher.canEncrypt();
    }

    public Uni<Void> put(UUID orgId, String name, String value, List<String> hosts) {
        return store.put(orgId, name, cipher.encrypt(value, "secret " + name), hosts);
    }

    /** Why {@code secret} may not go to {@code host}, or null when it may. */
    public static String refusal(String name, SecretRepository.Stored secret, String host) {
        return SsrfGuard.allows(secret.hosts(), host) ? null
                : "secret " + name + " may only be sent to " + secret.hosts() + ", not to " + SsrfGuard.hostName(host);
    }

    /** The secret names {@code values} refer to. */
    public static List<String> referenced(Iterable<String> values) {
        List<String> names = new ArrayList<>();
        for (String value : values) {
            Matcher m = REFERENCE.matcher(value);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /**
     * The headers with their {@code {{secret:NAME}}} replaced by the values of the organization's secrets, for a
     * request to {@code host}; fails with {@link Tool.Rejected} when a secret may not be sent there.
     */
    public Uni<Map<String, String>> fill(UUID orgId, Map<String, String> headers, String host) {
        List<String> names = referenced(headers.values());
        if (names.isEmpty()) {
            return Uni.createFrom().item(headers);
        }
        return store.stored(orgId, names).map(stored -> {
            Map<String, String> filled = new LinkedHashMap<>();
            headers.forEach((header, value) -> {
                Matcher m = REFERENCE.matcher(value);
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    SecretRepository.Stored secret = stored.get(m.group(1));
                    if (secret == null) {
                        throw new Tool.Rejected("secret " + m.group(1) + " is not stored any more");
                    }
                    String refusal = refusal(m.group(1), secret, host);
                    if (refusal != null) {
                        throw new Tool.Rejected(refusal);
                    }
                    m.appendReplacement(out, Matcher.quoteReplacement(cipher.decrypt(secret.sealed(),
                            "secret " + m.group(1))));
                }
                m.appendTail(out);
                filled.put(header, out.toString());
            });
            return filled;
        });
    }
}
