package org.mobilegt.gateway.capture.impl;

import java.util.Optional;

import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.osgi.service.event.Event;

/**
 * The session a capture is for, as it was when the capture started.
 *
 * @param clientId the client's id (attacker-chosen text), or null
 * @param address  the tunnel address, as int
 * @param endpoint the client's UDP endpoint, "a.b.c.d:port"
 * @param address6 the IPv6 tunnel address (RFC 5952 text), null when the session has none
 */
record Target(long sessionId, String clientId, int address, String endpoint, String address6) {

	/** An IPv4-only session's target. */
	Target(long sessionId, String clientId, int address, String endpoint) {
		this(sessionId, clientId, address, endpoint, null);
	}

	static Target of(Session s) {
		IpAddress v6 = s.tunnelAddress6();
		return new Target(s.id(), s.clientId(), s.tunnelAddress(), EndpointKey.format(s.endpoint()), v6 == null ? null : v6.toString());
	}

	/** The session of an OPENED event, from the event itself: a client id cannot pose as a session id. */
	static Optional<Target> of(Event event, long id) {
		Object address = event.getProperty(SessionManager.PROP_TUNNEL_ADDRESS);
		Object endpoint = event.getProperty(SessionManager.PROP_ENDPOINT);
		Object client = event.getProperty(SessionManager.PROP_CLIENT_ID);
		Object address6 = event.getProperty(SessionManager.PROP_TUNNEL_ADDRESS6);
		int a = address instanceof String s ? parseAddress(s) : 0;
		if (a == 0) {
			return Optional.empty();
		}
		return Optional.of(new Target(id, client instanceof String c ? c : null, a, String.valueOf(endpoint),
				address6 instanceof String s ? parseAddress6(s) : null));
	}

	/** The IPv6 address in RFC 5952 form, null when it is none. */
	private static String parseAddress6(String text) {
		try {
			IpAddress a = IpAddress.parse(text);
			return a.isIpv6() ? a.toString() : null;
		} catch (IllegalArgumentException e) {
			return null;
		}
	}

	/** The dotted IPv4 address as int, 0 when it is none. */
	private static int parseAddress(String dotted) {
		try {
			return IpAddress.parseIpv4(dotted);
		} catch (IllegalArgumentException e) {
			return 0;
		}
	}

	String dottedAddress() {
		return IpAddress.formatIpv4(address);
	}

	/** For log lines: "session 3 (client x, 10.77.0.2)", the id made printable. */
	String describe() {
		return "session " + sessionId + " (client " + ClientIds.printable(clientId) + ", " + dottedAddress() + ")";
	}
}
