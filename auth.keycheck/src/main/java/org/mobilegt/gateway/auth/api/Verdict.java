package org.mobilegt.gateway.auth.api;

import org.mobilegt.gateway.security.api.Reason;

/**
 * The result of a handshake check.
 *
 * @param reason                null when the handshake is accepted, else why it is not
 * @param clientId              the client id the handshake carried, or null for an anonymous ToyVpn client
 * @param framedAddress         the tunnel address the authenticator assigns (IPv4 as an int), or 0: the pool decides
 * @param sessionTimeoutSeconds the longest the session may last, or 0: no limit
 * @param idleTimeoutSeconds    the longest the session may stay idle, or 0: the gateway's own idle timeout
 * @param attributes            opaque text to echo in accounting (RADIUS Class), or null
 */
public record Verdict(Reason reason, String clientId, int framedAddress, int sessionTimeoutSeconds, int idleTimeoutSeconds,
		byte[] attributes) {

	public Verdict(Reason reason, String clientId) {
		this(reason, clientId, 0, 0, 0, null);
	}

	public boolean accepted() {
		return reason == null;
	}
}
