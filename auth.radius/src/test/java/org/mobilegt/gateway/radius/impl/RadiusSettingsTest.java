package org.mobilegt.gateway.radius.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;

class RadiusSettingsTest {

	static RadiusSettings of(Map<String, Object> values) {
		return RadiusSettings.of(Annotations.of(RadiusConfig.class, new HashMap<>(values)));
	}

	@Test
	void withoutServersRadiusIsOff() {
		assertThat(of(Map.of()).active()).isFalse();
		assertThat(of(Map.of("servers", new String[] { " " })).active()).isFalse();
	}

	@Test
	void serversInOrderWithTheSecret() {
		RadiusSettings s = of(Map.of("servers", new String[] { "127.0.0.1:1812", "127.0.0.2:1645" }, "secret", "s"));
		assertThat(s.active()).isTrue();
		assertThat(s.servers()).extracting(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
				.containsExactly("127.0.0.1:1812", "127.0.0.2:1645");
		assertThat(s.localWhenUnreachable()).isFalse();
	}

	@Test
	void badValuesAreRefusedNamingTheKey() {
		Map<String, Object> ok = Map.of("servers", new String[] { "127.0.0.1:1812" }, "secret", "s");
		assertThatThrownBy(() -> of(Map.of("servers", new String[] { "127.0.0.1:1812" }))).isInstanceOf(ConfigValueException.class)
				.extracting(e -> ((ConfigValueException) e).key()).isEqualTo("secret");
		for (String bad : new String[] { "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65535", "127.0.0.1:x", ":1812" }) {
			assertThatThrownBy(() -> of(Map.of("servers", new String[] { bad }, "secret", "s"))).as(bad)
					.isInstanceOf(ConfigValueException.class).extracting(e -> ((ConfigValueException) e).key()).isEqualTo("servers");
		}
		Map<String, Object> unreachable = new HashMap<>(ok);
		unreachable.put("onUnreachable", "accept");
		assertThatThrownBy(() -> of(unreachable)).isInstanceOf(ConfigValueException.class)
				.extracting(e -> ((ConfigValueException) e).key()).isEqualTo("onUnreachable");
		Map<String, Object> timeout = new HashMap<>(ok);
		timeout.put("timeoutMillis", 5);
		assertThatThrownBy(() -> of(timeout)).isInstanceOf(ConfigValueException.class);
	}
}
