package org.mobilegt.gateway.session.api;

import java.time.Instant;

/**
 * An address leased to a client.
 *
 * @param clientId the client id, or null for an anonymous client (leased to its endpoint)
 * @param address  the tunnel address as int
 * @param live     whether a session holds it now
 * @param expires  when the reservation ends if the client does not come back
 */
public record Lease(String clientId, int address, boolean live, Instant expires) {
}
