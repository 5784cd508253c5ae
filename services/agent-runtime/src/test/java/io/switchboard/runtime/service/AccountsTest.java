package io.switchboard.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The decoy a sign-in of an unknown name is checked against costs what a real password's check costs. */
class AccountsTest {
    @Test
    void theDecoyIsAHashWithTheParametersOfEveryNewPassword() {
        String real = Accounts.PASSWORDS.encode("a password of someone's");
        assertThat(parameters(Accounts.DECOY)).isEqualTo(parameters(real));
        assertThat(Accounts.PASSWORDS.matches("no such user", Accounts.DECOY)).isTrue();
    }

    /** {@code $argon2id$v=19$m=16384,t=2,p=1}: the algorithm, its version, memory, iterations and parallelism. */
    private static String parameters(String hash) {
        String[] parts = hash.split("\\$");
        return parts[1] + "$" + parts[2] + "$" + parts[3];
    }
}
