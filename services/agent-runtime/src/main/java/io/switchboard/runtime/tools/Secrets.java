package io.switchboard.runtime.tools;

import com.fasterxml.jackson.core.type.TypeReference;
import io.smallrye.mutiny.Uni;
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
 * when stored, opened only to fill a header at call time.
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

    public Uni<Void> put(UUID orgId, String name, String value) {
        return store.put(orgId, name, cipher.encrypt(value, "secret " + name));
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

    /** The headers with their {@code {{secret:NAME}}} replaced by the values of the organization's secrets. */
    public Uni<Map<String, String>> fill(UUID orgId, Map<String, String> headers) {
        List<String> names = referenced(headers.values());
        if (names.isEmpty()) {
            return Uni.createFrom().item(headers);
        }
        return store.sealed(orgId, names).map(sealed -> {
            Map<String, String> filled = new LinkedHashMap<>();
            headers.forEach((header, value) -> {
                Matcher m = REFERENCE.matcher(value);
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    SecretCipher.Sealed secret = sealed.get(m.group(1));
                    if (secret == null) {
                        throw new IllegalStateException("secret " + m.group(1) + " is not stored any more");
                    }
                    m.appendReplacement(out, Matcher.quoteReplacement(cipher.decrypt(secret, "secret " + m.group(1))));
                }
                m.appendTail(out);
                filled.put(header, out.toString());
            });
            return filled;
        });
    }
}
