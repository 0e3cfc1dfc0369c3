package org.mobilegt.gateway.auth.api;

/**
 * The result of a handshake check.
 *
 * @param reason   null when the handshake is accepted, else why it is not
 * @param clientId the client id the handshake carried, or null for an anonymous ToyVpn client
 */
public record Verdict(Reason reason, String clientId) {

	public boolean accepted() {
		return reason == null;
	}
}
