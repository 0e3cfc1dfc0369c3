package org.mobilegt.gateway.radius.impl;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.mobilegt.gateway.net.api.IpAddress;

/**
 * A session RADIUS admitted, as {@link RadiusSessions} tracks it. Saved as one line over an update
 * of this bundle. {@code address} is 0 and {@code address6} null when the session has no address of
 * that family; {@code lastInterim} (when the last Interim-Update went) is not saved.
 */
record Tracked(long id, String sessionId, Granted.Grant grant, String endpoint, int address, IpAddress address6, long startMillis,
		long[] lastInterim) {

	/** The fields of a line written before IPv6 addresses were tracked; still read after an upgrade. */
	static final int FIELDS_V4_ONLY = 9;
	static final int FIELDS = 10;

	Tracked {
		if (address6 != null && !address6.isIpv6()) {
			throw new IllegalArgumentException("tunnel address " + address6 + " is not an IPv6 address");
		}
	}

	/** The same session at another endpoint (it roamed). */
	Tracked at(String newEndpoint) {
		return new Tracked(id, sessionId, grant, newEndpoint, address, address6, startMillis, lastInterim);
	}

	/** One line: the fields, tab-separated, the user and Class base64, the IPv6 address last ("-": none). */
	String line() {
		Base64.Encoder b = Base64.getEncoder();
		return String.join("\t", Long.toString(id), sessionId, b.encodeToString(grant.user().getBytes(StandardCharsets.UTF_8)), endpoint,
				Integer.toString(address), Long.toString(startMillis), Integer.toString(grant.sessionTimeoutSeconds()),
				Integer.toString(grant.idleTimeoutSeconds()), grant.cls() == null ? "-" : b.encodeToString(grant.cls()),
				address6 == null ? "-" : address6.toString());
	}

	/**
	 * The session of a {@link #line()}, or of a line of the previous format (no IPv6 address); its
	 * interim updates count from {@code now}.
	 *
	 * @throws IllegalArgumentException saying what is wrong
	 */
	static Tracked parse(String line, long now) {
		String[] f = line.split("\t", -1);
		if (f.length != FIELDS && f.length != FIELDS_V4_ONLY) {
			throw new IllegalArgumentException("not a tracked session: " + f.length + " fields, expected " + FIELDS);
		}
		Base64.Decoder b = Base64.getDecoder();
		Granted.Grant g = new Granted.Grant(new String(b.decode(f[2]), StandardCharsets.UTF_8), Integer.parseInt(f[6]),
				Integer.parseInt(f[7]), f[8].equals("-") ? null : b.decode(f[8]), 0);
		return new Tracked(Long.parseLong(f[0]), f[1], g, f[3], Integer.parseInt(f[4]),
				f.length == FIELDS_V4_ONLY ? null : AcctRecord.address6(f[9]), Long.parseLong(f[5]), new long[] { now });
	}
}
