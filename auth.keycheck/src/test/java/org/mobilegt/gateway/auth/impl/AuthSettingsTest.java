package org.mobilegt.gateway.auth.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;

class AuthSettingsTest {

	static AuthSettings of(Map<String, Object> values) {
		return AuthSettings.of(Annotations.of(AuthConfig.class, values));
	}

	static void refused(String key, Object value, String rule) {
		assertThatThrownBy(() -> of(Map.of(key, value))).isInstanceOfSatisfying(ConfigValueException.class, e -> {
			assertThat(e.key()).isEqualTo(key);
			assertThat(e.getMessage()).isEqualTo("mobilegt.auth: " + key + "=" + value + " " + rule);
		});
	}

	@Test
	void valuesOutsideTheMetatypeRangesAreRefused() {
		refused("logSize", 9, "must be between 10 and 100000");
		refused("logSize", 100_001, "must be between 10 and 100000");
		refused("maxFailuresPerMinute", 0, "must be between 1 and 100000");
	}

	@Test
	void anAllowedIdNoClientCanSendIsRefused() {
		String tooLong = "x".repeat(SharedKeyCheck.MAX_ID_BYTES + 1);
		assertThatThrownBy(() -> of(Map.of("clientIds", new String[] { "ok", tooLong })))
				.hasMessageStartingWith("mobilegt.auth: clientIds=" + tooLong + " is not a client id a client can send");
		assertThatThrownBy(() -> of(Map.of("clientIds", new String[] { "caf\u00e9" }))).isInstanceOf(ConfigValueException.class);
	}

	@Test
	void theKeyIsKeptAsItsDigestOnly() {
		AuthSettings s = of(Map.of("key", "secret", "clientIds", new String[] { " phone-1 ", "" }));
		assertThat(s.keyLength()).isEqualTo(6);
		assertThat(s.keyDigest()).hasSize(32);
		assertThat(s.allowed()).containsExactly("phone-1");
		assertThat(of(Map.of()).keyDigest()).isNull();
	}
}
