package org.mobilegt.gateway.auth.impl;

import static org.mobilegt.gateway.common.ConfigValueException.between;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Set;

import org.mobilegt.gateway.common.ConfigValueException;

/**
 * {@link SharedKeyCheck}'s configuration, checked whatever path it came by: the ranges of
 * {@link AuthConfig}'s Metatype (which the gateway's configuration gate checks first; this is the
 * component's own line of defence) and client ids a client can send. The key is kept only as its
 * SHA-256 digest ({@code keyDigest} null: no shared key).
 */
record AuthSettings(int keyLength, byte[] keyDigest, Set<String> allowed, int maxFailuresPerMinute, int logSize) {

	static AuthSettings of(AuthConfig config) throws ConfigValueException {
		String pid = AuthConfig.PID;
		int logSize = between(pid, "logSize", config.logSize(), 10, 100_000);
		int maxFailures = between(pid, "maxFailuresPerMinute", config.maxFailuresPerMinute(), 1, 100_000);
		Set<String> allowed = Set.copyOf(Arrays.stream(config.clientIds()).map(String::strip).filter(s -> !s.isEmpty()).toList());
		for (String id : allowed) {
			if (SharedKeyCheck.clientId((":" + id).getBytes(StandardCharsets.UTF_8), 1) == null) {
				throw new ConfigValueException(pid, "clientIds", id,
						"is not a client id a client can send (1-" + SharedKeyCheck.MAX_ID_BYTES + " printable ASCII bytes)");
			}
		}
		byte[] key = config.key().getBytes(StandardCharsets.UTF_8);
		return new AuthSettings(key.length, key.length == 0 ? null : sha256(key), allowed, maxFailures, logSize);
	}

	static byte[] sha256(byte[] data) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(data);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is required of every JVM", e);
		}
	}
}
