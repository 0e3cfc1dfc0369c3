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
 */
record Target(long sessionId, String clientId, int address, String endpoint) {

	static Target of(Session s) {
		return new Target(s.id(), s.clientId(), s.tunnelAddress(), EndpointKey.format(s.endpoint()));
	}

	/** The session of an OPENED event, from the event itself: a client id cannot pose as a session id. */
	static Optional<Target> of(Event event, long id) {
		Object address = event.getProperty(SessionManager.PROP_TUNNEL_ADDRESS);
		Object endpoint = event.getProperty(SessionManager.PROP_ENDPOINT);
		Object client = event.getProperty(SessionManager.PROP_CLIENT_ID);
		int a = address instanceof String s ? parseAddress(s) : 0;
		if (a == 0) {
			return Optional.empty();
		}
		return Optional.of(new Target(id, client instanceof String c ? c : null, a, String.valueOf(endpoint)));
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
