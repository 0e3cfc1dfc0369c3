package org.mobilegt.gateway.capture.impl;

import org.mobilegt.gateway.session.api.Endpoint;
import org.mobilegt.gateway.session.api.Session;

/**
 * The session a capture is for, as it was when the capture started.
 *
 * @param clientId the client's id (attacker-chosen text), or null
 * @param address  the tunnel address, as int
 * @param endpoint the client's UDP endpoint, "a.b.c.d:port"
 */
record Target(long sessionId, String clientId, int address, String endpoint) {

	static Target of(Session s) {
		return new Target(s.id(), s.clientId(), s.tunnelAddress(), Endpoint.format(s.endpoint()));
	}

	String dottedAddress() {
		return Endpoint.formatAddress(address);
	}

	/** For log lines: "session 3 (client x, 10.77.0.2)", the id made printable. */
	String describe() {
		return "session " + sessionId + " (client " + printable(clientId) + ", " + dottedAddress() + ")";
	}

	/** {@code text} with anything outside printable ASCII shown as '?', for logs and messages. */
	static String printable(String text) {
		if (text == null) {
			return "(anonymous)";
		}
		StringBuilder sb = new StringBuilder(text.length());
		text.chars().forEach(c -> sb.append(c >= 0x20 && c < 0x7F ? (char) c : '?'));
		return sb.toString();
	}
}
