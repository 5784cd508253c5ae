package io.switchboard.gateway.credentials;

import io.switchboard.gateway.config.GatewayConfig;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

/** The credential cipher, from the configured master keys. */
public class Cipher {

    @Produces
    @Singleton
    CredentialCipher cipher(GatewayConfig config) {
        return CredentialCipher.fromSpec(config.masterKeys().orElse(""));
    }
}
