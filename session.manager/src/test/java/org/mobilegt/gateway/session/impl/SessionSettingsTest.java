package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;

class SessionSettingsTest {

	static SessionSettings of(Map<String, Object> values) {
		return SessionSettings.of(Annotations.of(SessionsConfig.class, values));
	}

	static void refused(String key, Object value, String rule) {
		assertThatThrownBy(() -> of(Map.of(key, value))).isInstanceOfSatisfying(ConfigValueException.class, e -> {
			assertThat(e.key()).isEqualTo(key);
			assertThat(e.getMessage()).isEqualTo("mobilegt.sessions: " + key + "=" + value + " " + rule);
		});
	}

	@Test
	void valuesOutsideTheMetatypeRangesAreRefused() {
		refused("maxClients", -1, "must be between 0 and 16777216");
		refused("maxSessionsPerSource", -5, "must be between 0 and 16777216");
		refused("maxNewLeasesPerSourcePerMinute", 16_777_217, "must be between 0 and 16777216");
		refused("leaseMinutes", 0, "must be between 1 and 5256000");
		refused("recentMinutes", 10_081, "must be between 0 and 10080");
		refused("maxPacketsPerSecond", -1, "must be between 0 and 10000000");
		refused("idleTimeoutSeconds", 4, "must be between 5 and 86400");
		refused("idleTimeoutSeconds", 86_401, "must be between 5 and 86400");
		assertThatThrownBy(() -> of(Map.of("exclude", new String[] { "10.77.0.300" })))
				.hasMessage("mobilegt.sessions: exclude=10.77.0.300 is not an IPv4 or IPv6 address");
		assertThatThrownBy(() -> of(Map.of("exclude", new String[] { "fd00::1::2" })))
				.hasMessage("mobilegt.sessions: exclude=fd00::1::2 is not an IPv4 or IPv6 address");
	}

	@Test
	void excludedAddressesOfEitherFamilyAreKeptApart() {
		SessionSettings s = of(Map.of("exclude", new String[] { "10.77.0.9", " fd00:77::9 " }));
		assertThat(s.excluded()).containsExactly(AddressPoolTest.ip("10.77.0.9"));
		assertThat(s.excluded6()).containsExactly(IpAddress.parse("fd00:77::9"));
	}

	@Test
	void theDefaultsAndTheBoundsAreAccepted() {
		assertThat(of(Map.of()).maxClients()).isZero();
		assertThat(of(Map.of()).idleMillis()).isEqualTo(60_000);
		SessionSettings s = of(Map.of("maxClients", 16_777_216, "leaseMinutes", 1, "recentMinutes", 10_080));
		assertThat(s.maxClients()).isEqualTo(16_777_216);
		assertThat(s.leaseMillis()).isEqualTo(60_000);
	}
}
