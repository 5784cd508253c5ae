package io.switchboard.gateway.credentials;

import io.switchboard.crypto.SecretCipher;
import io.switchboard.gateway.config.GatewayConfig;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

/** The credential cipher, from the configured master keys. */
public class Cipher {

    @Produces
    @Singleton
    SecretCipher cipher(GatewayConfig config) {
        return SecretCipher.fromSpec(config.masterKeys().orElse(""));
    }
}
