package org.mobilegt.gateway.session.api;

import java.time.Instant;

import org.mobilegt.gateway.net.api.IpAddress;

/**
 * An address leased to a client: an IPv4 address, and an IPv6 one while IPv6 is on.
 *
 * @param clientId the client id, or null for an anonymous client (leased to its endpoint)
 * @param address  the tunnel address as int
 * @param live     whether a session holds it now
 * @param expires  when the reservation ends if the client does not come back
 * @param address6 the IPv6 tunnel address (a /128), or null when the lease has none
 */
public record Lease(String clientId, int address, boolean live, Instant expires, IpAddress address6) {

	/** An IPv4-only lease (the 2.0 form). */
	public Lease(String clientId, int address, boolean live, Instant expires) {
		this(clientId, address, live, expires, null);
	}
}
