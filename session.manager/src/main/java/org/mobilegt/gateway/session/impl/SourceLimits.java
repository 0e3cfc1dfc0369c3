package org.mobilegt.gateway.session.impl;

import java.util.HashMap;
import java.util.Map;

import org.mobilegt.gateway.common.BoundedTable;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.session.api.SessionRefusedException;

/**
 * What one source ({@link EndpointKey#source}: an IPv4 address, or an IPv6 /64, since one
 * subscriber usually holds a whole /64 and per-address limits would be no limit) may hold: live sessions, and new leases (fresh addresses, not a client
 * id's own one back) per minute. Keeps one key holder from taking the pool, while the defaults
 * leave room for the many phones behind one carrier-grade NAT address. Used under the registry's
 * lock.
 */
final class SourceLimits {

	static final long WINDOW_MILLIS = 60_000;
	static final int MAX_SOURCES = 65_536;

	private final Map<Long, Integer> sessions = new HashMap<>();
	private final BoundedTable<Long, long[]> leases = new BoundedTable<>(MAX_SOURCES);
	private int maxSessions;
	private int maxNewLeases;

	void limits(int maxSessions, int maxNewLeasesPerMinute) {
		this.maxSessions = maxSessions;
		this.maxNewLeases = maxNewLeasesPerMinute;
	}

	/** Refuses a session from {@code endpoint}'s address when it has its maximum already. */
	void checkSession(long endpoint) throws SessionRefusedException {
		long source = EndpointKey.source(endpoint);
		int n = sessions.getOrDefault(source, 0);
		if (maxSessions > 0 && n >= maxSessions) {
			throw new SessionRefusedException(n + " sessions from " + EndpointKey.formatSource(source)
					+ " already (maxSessionsPerSource=" + maxSessions + ")", true);
		}
	}

	/** Refuses a fresh address to {@code endpoint}'s address when it had its share this minute. */
	void checkNewLease(long endpoint, long now) throws SessionRefusedException {
		long[] w = leases.get(EndpointKey.source(endpoint));
		if (maxNewLeases > 0 && w != null && now - w[0] < WINDOW_MILLIS && w[1] >= maxNewLeases) {
			throw new SessionRefusedException(w[1] + " new addresses leased to " + EndpointKey.formatSource(EndpointKey.source(endpoint))
					+ " within a minute (maxNewLeasesPerSourcePerMinute=" + maxNewLeases + ")", true);
		}
	}

	void newLease(long endpoint, long now) {
		leases.compute(EndpointKey.source(endpoint), (k, w) -> {
			long[] window = w == null || now - w[0] >= WINDOW_MILLIS ? new long[] { now, 0 } : w;
			window[1]++;
			return window;
		});
	}

	void opened(long endpoint) {
		sessions.merge(EndpointKey.source(endpoint), 1, Integer::sum);
	}

	void closed(long endpoint) {
		sessions.computeIfPresent(EndpointKey.source(endpoint), (k, n) -> n > 1 ? n - 1 : null);
	}

	int sessions(long source) {
		return sessions.getOrDefault(source, 0);
	}

	void prune(long now) {
		leases.removeIf(w -> now - w[0] >= WINDOW_MILLIS);
	}
}
