package io.switchboard.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets (provider credentials, tool secrets) with AES-256-GCM (the JDK's JCA). Master keys come from the environment as
 * {@code id:base64key,id:base64key}: the first encrypts, all decrypt, so a new key can be put first and the rows
 * re-encrypted while the old one still reads. Each ciphertext carries its key id and is bound to its owner (a
 * deployment or secret name) as associated data, so it cannot be moved to another row.
 */
public final class SecretCipher {
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A ciphertext and the id of the key that made it. */
    public record Sealed(String keyId, String ciphertext) {
    }

    private final Map<String, SecretKey> keys;
    private final String currentKeyId;

    private SecretCipher(Map<String, SecretKey> keys) {
        this.keys = keys;
        this.currentKeyId = keys.isEmpty() ? null : keys.keySet().iterator().next();
    }

    /** Parses {@code id:base64key,...}; blank means no keys (credentials cannot be stored). */
    public static SecretCipher fromSpec(String spec) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String entry : spec.split(",")) {
                int colon = entry.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("a master key is written id:base64key");
                }
                byte[] key = Base64.getDecoder().decode(entry.substring(colon + 1).strip());
                if (key.length != 32) {
                    throw new IllegalArgumentException("master key " + entry.substring(0, colon)
                            + " must be 32 bytes (256 bits), base64-encoded");
                }
                keys.put(entry.substring(0, colon).strip(), new SecretKeySpec(key, "AES"));
            }
        }
        return new SecretCipher(keys);
    }

    public boolean canEncrypt() {
        return currentKeyId != null;
    }

    /** Whether {@code keyId} is among the configured keys (it opens what it sealed). */
    public boolean knows(String keyId) {
        return keys.containsKey(keyId);
    }

    public String currentKeyId() {
        return currentKeyId;
    }

    public Sealed encrypt(String secret, String owner) {
        if (!canEncrypt()) {
            throw new IllegalStateException("no master key: set SWITCHBOARD_MASTER_KEYS to store credentials");
        }
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[IV_BYTES + sealed.length];
            System.arraycopy(iv, 0, out, 0, IV_BYTES);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return new Sealed(currentKeyId, Base64.getEncoder().encodeToString(out));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not encrypt a credential", e);
        }
    }

    public String decrypt(Sealed sealed, String owner) {
        SecretKey key = keys.get(sealed.keyId());
        if (key == null) {
            throw new IllegalStateException("the credential of " + owner + " was sealed with key " + sealed.keyId()
                    + ", which is not among the configured master keys");
        }
        try {
            byte[] in = Base64.getDecoder().decode(sealed.ciphertext());
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the credential of " + owner + " does not decrypt (tampered, or moved"
                    + " from another deployment)");
        }
    }
}
