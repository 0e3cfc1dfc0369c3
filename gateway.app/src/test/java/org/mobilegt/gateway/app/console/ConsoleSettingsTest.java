package org.mobilegt.gateway.app.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;

class ConsoleSettingsTest {

	static ConsoleSettings of(Map<String, Object> values) {
		return ConsoleSettings.of(Annotations.of(ConsoleConfig.class, new HashMap<>(values)));
	}

	static void refused(Map<String, Object> values, String key, String message) {
		assertThatThrownBy(() -> of(values)).isInstanceOfSatisfying(ConfigValueException.class, e -> {
			assertThat(e.key()).isEqualTo(key);
			assertThat(e.getMessage()).contains(message);
		});
	}

	@Test
	void theDefaultsAreUsable() {
		ConsoleSettings s = of(Map.of());
		assertThat(s.host()).isEqualTo("127.0.0.1");
		assertThat(s.port()).isEqualTo(8080);
		assertThat(s.username()).isEqualTo("admin");
		assertThat(s.password()).isEmpty();
	}

	@Test
	void aPortOutsideTheMetatypeRangeIsRefused() {
		refused(Map.of("port", 0), "port", "mobilegt.console: port=0 must be between 1 and 65535");
		refused(Map.of("port", 65536), "port", "must be between 1 and 65535");
	}

	@Test
	void aBindAddressMustBeAnIpLiteral() {
		refused(Map.of("bind", "localhost"), "bind", "bind=localhost is not an IP address");
		refused(Map.of("bind", ""), "bind", "is not an IP address");
		assertThat(of(Map.of("bind", "::1")).host()).isEqualTo("::1");
	}

	@Test
	void aUserNameBasicAuthenticationCannotCarryIsRefused() {
		refused(Map.of("username", ""), "username", "must be 1 or more printable characters without ':'");
		refused(Map.of("username", "ad:min"), "username", "without ':'");
		refused(Map.of("username", "ad\nmin"), "username", "printable");
	}

	@Test
	void aHashedPasswordMustBeADigestAndIsNeverShown() {
		refused(Map.of("password", "{sha-256}c2VjcmV0"), "password", "must be the base64 of 32 bytes");
		refused(Map.of("password", "{sha-256}not base64!"), "password", "(hidden)");
		assertThatThrownBy(() -> of(Map.of("password", "{sha-256}c2VjcmV0"))).message().doesNotContain("c2VjcmV0");
		String digest = Base64.getEncoder().encodeToString(ConsoleAccess.sha256("secret".getBytes()));
		assertThat(ConsoleSettings.digest(of(Map.of("password", "{sha-256}" + digest)).password()))
				.isEqualTo(ConsoleAccess.sha256("secret".getBytes()));
	}
}
