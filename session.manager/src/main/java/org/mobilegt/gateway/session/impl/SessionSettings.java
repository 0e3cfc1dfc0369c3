package org.mobilegt.gateway.session.impl;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.IpAddress;

/** The registry's configuration, checked: an exclusion that is not an IPv4 address is refused. */
record SessionSettings(int maxClients, long leaseMillis, long recentMillis, Set<Integer> excluded, int packetsPerSecond,
		int maxSessionsPerSource, int maxNewLeasesPerSourcePerMinute) {

	static SessionSettings of(SessionsConfig c) {
		Set<Integer> excluded = new HashSet<>();
		for (String a : c.exclude()) {
			String address = a.strip();
			if (address.isEmpty()) {
				continue;
			}
			try {
				excluded.add(IpAddress.parseIpv4(address));
			} catch (IllegalArgumentException e) {
				throw new ConfigValueException(SessionsConfig.PID, "exclude", address, "is not an IPv4 address");
			}
		}
		return new SessionSettings(c.maxClients(), TimeUnit.MINUTES.toMillis(c.leaseMinutes()),
				TimeUnit.MINUTES.toMillis(c.recentMinutes()), Set.copyOf(excluded), c.maxPacketsPerSecond(), c.maxSessionsPerSource(),
				c.maxNewLeasesPerSourcePerMinute());
	}
}
