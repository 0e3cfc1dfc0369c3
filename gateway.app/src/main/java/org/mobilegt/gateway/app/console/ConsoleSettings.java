package org.mobilegt.gateway.app.console;

import static org.mobilegt.gateway.common.ConfigValueException.between;

import java.util.Base64;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.IpAddress;

/**
 * {@link ConsoleAccess}'s configuration, checked: a port in the Metatype's range, a bind address
 * that is an IP literal (Jetty would otherwise fail later, with the console gone), a user name a
 * browser can send in Basic authentication, and a {@code {sha-256}} password that is a digest.
 * {@code password} is empty when it is to be generated; {@code metrics} is a key no longer used.
 */
record ConsoleSettings(IpAddress bind, int port, String username, String password, boolean metrics) {

	static final String SHA256 = "{sha-256}";

	static ConsoleSettings of(ConsoleConfig c) throws ConfigValueException {
		String pid = ConsoleConfig.PID;
		int port = between(pid, "port", c.port(), 1, 65535);
		IpAddress bind;
		try {
			bind = IpAddress.parse(c.bind().strip());
		} catch (IllegalArgumentException e) {
			throw new ConfigValueException(pid, "bind", c.bind(), "is not an IP address: " + e.getMessage());
		}
		String user = c.username();
		if (user.isEmpty() || user.indexOf(':') >= 0 || user.chars().anyMatch(Character::isISOControl)) {
			throw new ConfigValueException(pid, "username", user, "must be 1 or more printable characters without ':'");
		}
		String password = c.password() == null ? "" : c.password();
		if (password.startsWith(SHA256) && digest(password).length != 32) {
			// the key is named, never the value: it is a secret
			throw new ConfigValueException(pid, "password", "(hidden)", "after " + SHA256 + " must be the base64 of 32 bytes");
		}
		return new ConsoleSettings(bind, port, user, password, c.metrics());
	}

	/** The digest of a {@code {sha-256}} password, or an empty array when it is not base64. */
	static byte[] digest(String password) {
		try {
			return Base64.getDecoder().decode(password.substring(SHA256.length()));
		} catch (IllegalArgumentException e) {
			return new byte[0];
		}
	}

	/** The bind address as the HTTP service's configuration takes it. */
	String host() {
		return bind.toString();
	}
}
