package org.mobilegt.gateway.radius.impl;

import org.mobilegt.gateway.common.BoundedTable;

/**
 * What RADIUS granted an endpoint whose handshake it accepted, until the session opens there:
 * then {@link RadiusSessions} takes it over (timeouts, Class, user name for accounting).
 */
final class Granted {

	record Grant(String user, int sessionTimeoutSeconds, int idleTimeoutSeconds, byte[] cls, long atMillis) {
	}

	/** Grants older than this without a session are forgotten. */
	static final long KEEP_MILLIS = 60_000;

	private final BoundedTable<String, Grant> grants = new BoundedTable<>(65_536);

	void put(String endpoint, Grant grant) {
		grants.put(endpoint, grant);
	}

	/** The grant of {@code endpoint} ("address:port"), removed; null when none is fresh. */
	Grant take(String endpoint, long now) {
		Grant g = grants.remove(endpoint);
		return g == null || now - g.atMillis() > KEEP_MILLIS ? null : g;
	}

	void prune(long now) {
		grants.removeIf(g -> now - g.atMillis() > KEEP_MILLIS);
	}
}
