package org.mobilegt.gateway.auth.impl;

import java.nio.charset.StandardCharsets;

import org.mobilegt.gateway.common.ConfigValueException;

/**
 * What {@link SharedKeyCheck} itself requires of its configuration, whatever path it came by
 * (Metatype ranges are checked before, by the gateway's configuration gate; this is the component's
 * own line of defence, so a value that would break it is refused rather than applied).
 */
final class AuthChecks {

	private AuthChecks() {
	}

	/** @throws ConfigValueException naming key, value and rule of the first value it cannot run with */
	static void check(AuthConfig config) {
		if (config.logSize() < 1) {
			throw new ConfigValueException(AuthConfig.PID, "logSize", config.logSize(), "must be at least 1");
		}
		if (config.maxFailuresPerMinute() < 1) {
			throw new ConfigValueException(AuthConfig.PID, "maxFailuresPerMinute", config.maxFailuresPerMinute(),
					"must be at least 1");
		}
		for (String id : config.clientIds()) {
			String s = id.strip();
			if (!s.isEmpty() && SharedKeyCheck.clientId((":" + s).getBytes(StandardCharsets.UTF_8), 1) == null) {
				throw new ConfigValueException(AuthConfig.PID, "clientIds", s,
						"is not a client id a client can send (1-" + SharedKeyCheck.MAX_ID_BYTES + " printable ASCII bytes)");
			}
		}
	}
}
