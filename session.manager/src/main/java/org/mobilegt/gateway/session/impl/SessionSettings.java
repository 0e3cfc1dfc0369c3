package org.mobilegt.gateway.session.impl;

import static org.mobilegt.gateway.common.ConfigValueException.between;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.IpAddress;

/**
 * The registry's configuration, checked: the ranges of {@link SessionsConfig}'s Metatype, and an
 * exclusion that is not an IP address, are refused. Excluded IPv6 addresses are kept apart
 * ({@code excluded6}) from the IPv4 keys.
 */
record SessionSettings(int maxClients, long leaseMillis, long recentMillis, long idleMillis, Set<Integer> excluded,
		int packetsPerSecond, int maxSessionsPerSource, int maxNewLeasesPerSourcePerMinute, Set<IpAddress> excluded6) {

	/** The most clients, per-source sessions or leases a count may name: a /8 pool. */
	private static final int MAX_COUNT = 16_777_216;

	static SessionSettings of(SessionsConfig c) {
		Set<Integer> excluded = new HashSet<>();
		Set<IpAddress> excluded6 = new HashSet<>();
		for (String a : c.exclude()) {
			String address = a.strip();
			if (address.isEmpty()) {
				continue;
			}
			IpAddress ip;
			try {
				ip = IpAddress.parse(address);
			} catch (IllegalArgumentException e) {
				throw new ConfigValueException(SessionsConfig.PID, "exclude", address, "is not an IPv4 or IPv6 address");
			}
			if (ip.isIpv4()) {
				excluded.add(ip.ipv4());
			} else {
				excluded6.add(ip);
			}
		}
		String pid = SessionsConfig.PID;
		return new SessionSettings(between(pid, "maxClients", c.maxClients(), 0, MAX_COUNT),
				TimeUnit.MINUTES.toMillis(between(pid, "leaseMinutes", c.leaseMinutes(), 1, 5_256_000)),
				TimeUnit.MINUTES.toMillis(between(pid, "recentMinutes", c.recentMinutes(), 0, 10_080)),
				TimeUnit.SECONDS.toMillis(between(pid, "idleTimeoutSeconds", c.idleTimeoutSeconds(), IdleTimeout.MIN_SECONDS, IdleTimeout.MAX_SECONDS)),
				Set.copyOf(excluded),
				between(pid, "maxPacketsPerSecond", c.maxPacketsPerSecond(), 0, 10_000_000),
				between(pid, "maxSessionsPerSource", c.maxSessionsPerSource(), 0, MAX_COUNT),
				between(pid, "maxNewLeasesPerSourcePerMinute", c.maxNewLeasesPerSourcePerMinute(), 0, MAX_COUNT), Set.copyOf(excluded6));
	}
}
