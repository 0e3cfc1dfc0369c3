package org.mobilegt.gateway.radius.impl;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.mobilegt.gateway.common.ConfigValueException;

/** A checked {@link RadiusConfig}: every value valid, or a {@link ConfigValueException} naming the key. */
record RadiusSettings(List<InetSocketAddress> servers, byte[] secret, String nasIdentifier, int timeoutMillis, int retries,
		boolean accounting, int interimSeconds, boolean localWhenUnreachable, String anonymousName, int workers, int queue) {

	/** Whether RADIUS takes over authentication. */
	boolean active() {
		return !servers.isEmpty();
	}

	static RadiusSettings of(RadiusConfig c) {
		String pid = RadiusConfig.PID;
		List<InetSocketAddress> servers = new ArrayList<>();
		for (String s : c.servers()) {
			if (!s.isBlank()) {
				servers.add(server(s.strip()));
			}
		}
		byte[] secret = c.secret().getBytes(StandardCharsets.UTF_8);
		if (!servers.isEmpty() && secret.length == 0) {
			throw new ConfigValueException(pid, "secret", "", "a RADIUS server needs the shared secret");
		}
		if (c.timeoutMillis() < 100 || c.timeoutMillis() > 60_000) {
			throw new ConfigValueException(pid, "timeoutMillis", c.timeoutMillis(), "from 100 to 60000");
		}
		if (c.retries() < 1 || c.retries() > 10) {
			throw new ConfigValueException(pid, "retries", c.retries(), "from 1 to 10");
		}
		if (c.interimSeconds() < 0 || c.interimSeconds() > 86_400) {
			throw new ConfigValueException(pid, "interimSeconds", c.interimSeconds(), "from 0 to 86400");
		}
		String mode = c.onUnreachable().strip();
		if (!mode.equals("reject") && !mode.equals("local")) {
			throw new ConfigValueException(pid, "onUnreachable", mode, "reject or local");
		}
		if (c.nasIdentifier().isBlank() || c.nasIdentifier().length() > 253) {
			throw new ConfigValueException(pid, "nasIdentifier", c.nasIdentifier(), "1-253 characters");
		}
		if (c.anonymousName().isBlank() || c.anonymousName().length() > 253) {
			throw new ConfigValueException(pid, "anonymousName", c.anonymousName(), "1-253 characters");
		}
		if (c.workers() < 1 || c.workers() > 256) {
			throw new ConfigValueException(pid, "workers", c.workers(), "from 1 to 256");
		}
		if (c.queue() < 1 || c.queue() > 100_000) {
			throw new ConfigValueException(pid, "queue", c.queue(), "from 1 to 100000");
		}
		return new RadiusSettings(List.copyOf(servers), secret, c.nasIdentifier(), c.timeoutMillis(), c.retries(), c.accounting(),
				c.interimSeconds(), mode.equals("local"), c.anonymousName(), c.workers(), c.queue());
	}

	/** {@code host:port} (an IPv4 address or a name resolved now). */
	static InetSocketAddress server(String s) {
		int colon = s.lastIndexOf(':');
		int port = -1;
		if (colon > 0) {
			try {
				port = Integer.parseInt(s.substring(colon + 1));
			} catch (NumberFormatException e) {
				port = -1;
			}
		}
		if (port < 1 || port > 65534) {
			throw new ConfigValueException(RadiusConfig.PID, "servers", s, "host:port with a port from 1 to 65534");
		}
		InetSocketAddress a = new InetSocketAddress(s.substring(0, colon), port);
		if (a.isUnresolved()) {
			throw new ConfigValueException(RadiusConfig.PID, "servers", s, "a host that resolves");
		}
		return a;
	}
}
