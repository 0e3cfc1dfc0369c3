package org.mobilegt.gateway.session.impl;

import java.util.List;

/**
 * What survives a restart or a bundle update, as written to {@code sessions.json} in the bundle's
 * data area. Live sessions are resumed only within the same framework run (a bundle update); after
 * a restart their clients are told to handshake again and get their leased address back.
 *
 * {@link org.mobilegt.gateway.common.KeptState} stamps the file with the framework run and the time.
 *
 * @param subnet6   the IPv6 prefix, null when IPv6 was off (and in files from before IPv6)
 */
record SavedState(long nextId, String subnet, List<SavedLease> leases,
		List<SavedRecent> recent, List<SavedSession> sessions, String subnet6) {

	/**
	 * A lease: key is "id:<client id>" or "ep:<endpoint key>"; address6 the IPv6 address as text,
	 * null for none (and in files from before IPv6).
	 */
	record SavedLease(String key, int address, long expires, String address6) {
	}

	record SavedRecent(long endpoint, long closedAt) {
	}

	/** A live session; address6 as in {@link SavedLease}. */
	record SavedSession(long id, String clientId, long endpoint, int address, long since, long rxPackets,
			long rxBytes, long rxLast, long txPackets, long txBytes, long txLast, long drops, String address6) {
	}
}
