package io.switchboard.runtime.triggers;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A delivery's signature: {@code Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">},
 * keyed with the webhook's secret; several {@code v1=} while a secret rotates (one per secret). The time bounds replays
 * of a captured delivery to the tolerance; within it, a delivery is taken once per id and once per signature (the id
 * is not signed: a captured delivery sent again under new ids is still one delivery).
 */
public final class WebhookSignature {
    private WebhookSignature() {
    }

    /** Why a delivery was refused (401). */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    /** The header's value for {@code body} sent at {@code at}, signed with each of {@code secrets}. */
    public static String sign(Instant at, byte[] body, String... secrets) {
        StringBuilder header = new StringBuilder("t=").append(at.getEpochSecond());
        for (String secret : secrets) {
            header.append(",v1=").append(HexFormat.of().formatHex(mac(secret, at.getEpochSecond(), body)));
        }
        return header.toString();
    }

    /**
     * Checks {@code header} against the body and the webhook's secrets (its current one, and its previous one while
     * it rotates): signed by one of them, at a time within {@code tolerance} of {@code now}. Gives the signature that
     * matched (hex).
     */
    public static String verify(String header, byte[] body, List<String> secrets, Instant now, Duration tolerance) {
        if (header == null || header.isBlank()) {
            throw new Refused("the Switchboard-Signature header is missing");
        }
        Long t = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String part : header.split(",")) {
            String[] pair = part.strip().split("=", 2);
            if (pair.length != 2) {
                continue;
            }
            if (pair[0].equals("t")) {
                try {
                    t = Long.parseLong(pair[1]);
                } catch (NumberFormatException e) {
                    throw new Refused("the signature's t is not a number of seconds");
                }
            } else if (pair[0].equals("v1") && pair[1].matches("[0-9a-fA-F]{64}")) {
                signatures.add(HexFormat.of().parseHex(pair[1]));
            }
        }
        if (t == null || signatures.isEmpty()) {
            throw new Refused("the signature needs t=<unix seconds> and at least one v1=<hex HMAC-SHA256>");
        }
        if (Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) {
            throw new Refused("the signature's time is more than " + tolerance.toMinutes() + " minutes from now");
        }
        for (String secret : secrets) {
            byte[] expected = mac(secret, t, body);
            for (byte[] signature : signatures) {
                if (MessageDigest.isEqual(expected, signature)) {
                    return HexFormat.of().formatHex(expected);
                }
            }
        }
        throw new Refused("the signature does not match the body");
    }

    private static byte[] mac(String secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
