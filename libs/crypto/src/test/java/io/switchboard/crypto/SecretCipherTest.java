package io.switchboard.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCipherTest {
    private static final String K1 = "k1:" + Base64.getEncoder().encodeToString(new byte[32]);
    private static final String K2 = "k2:" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    @Test
    void sealsWithTheFirstKeyAndOpensAgain() {
        SecretCipher cipher = SecretCipher.fromSpec(K1);
        SecretCipher.Sealed sealed = cipher.encrypt("sk-live-123", "openai-main");
        assertThat(sealed.keyId()).isEqualTo("k1");
        assertThat(sealed.ciphertext()).doesNotContain("sk-live-123");
        assertThat(cipher.decrypt(sealed, "openai-main")).isEqualTo("sk-live-123");
    }

    @Test
    void theSameSecretNeverSealsTheSameWayTwice() {
        SecretCipher cipher = SecretCipher.fromSpec(K1);
        assertThat(cipher.encrypt("s", "d").ciphertext()).isNotEqualTo(cipher.encrypt("s", "d").ciphertext());
    }

    @Test
    void aCiphertextMovedToAnotherOwnerOrTamperedWithDoesNotOpen() {
        SecretCipher cipher = SecretCipher.fromSpec(K1);
        SecretCipher.Sealed sealed = cipher.encrypt("sk-live-123", "openai-main");
        assertThatThrownBy(() -> cipher.decrypt(sealed, "other")).hasMessageNotContaining("sk-live");
        byte[] raw = Base64.getDecoder().decode(sealed.ciphertext());
        raw[raw.length - 1] ^= 1;
        SecretCipher.Sealed tampered = new SecretCipher.Sealed("k1", Base64.getEncoder().encodeToString(raw));
        assertThatThrownBy(() -> cipher.decrypt(tampered, "openai-main")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void afterRotationOldCiphertextsStillOpenAndNewOnesUseTheNewKey() {
        SecretCipher before = SecretCipher.fromSpec(K1);
        SecretCipher.Sealed old = before.encrypt("sk-1", "d");
        SecretCipher after = SecretCipher.fromSpec(K2 + "," + K1);
        assertThat(after.decrypt(old, "d")).isEqualTo("sk-1");
        assertThat(after.encrypt("sk-1", "d").keyId()).isEqualTo("k2");
        assertThatThrownBy(() -> SecretCipher.fromSpec(K2).decrypt(old, "d")).hasMessageContaining("k1");
    }

    @Test
    void withoutAMasterKeyNothingCanBeStored() {
        SecretCipher none = SecretCipher.fromSpec("");
        assertThat(none.canEncrypt()).isFalse();
        assertThatThrownBy(() -> none.encrypt("s", "d")).hasMessageContaining("SWITCHBOARD_MASTER_KEYS");
    }

    @Test
    void keysMustBe256Bits() {
        assertThatThrownBy(() -> SecretCipher.fromSpec("short:" + Base64.getEncoder().encodeToString(new byte[16])))
                .hasMessageContaining("32 bytes");
    }
}
