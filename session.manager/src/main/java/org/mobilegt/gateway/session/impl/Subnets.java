package org.mobilegt.gateway.session.impl;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.CloseReason;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.service.log.Logger;

/**
 * Builds the IPv4 and IPv6 pools from the TUN device's subnets ({@link TunDevice#SUBNET},
 * {@link TunDevice#SUBNET6}: none means IPv6 is off) and the configured exclusions. Sessions whose
 * address a new pool lacks end. Used under the registry's lock.
 */
final class Subnets {

	private final Leases leases;
	private final SessionIndex index;
	private final Logger log;
	private final BiConsumer<SessionImpl, CloseReason> close;

	Subnets(Leases leases, SessionIndex index, Logger log, BiConsumer<SessionImpl, CloseReason> close) {
		this.leases = leases;
		this.index = index;
		this.log = log;
		this.close = close;
	}

	/** Follows the TUN device's service properties; whether a pool changed. */
	boolean fromTun(Map<String, Object> props, SessionSettings settings) {
		boolean changed = false;
		String cidr = (String) props.get(TunDevice.SUBNET);
		AddressPool pool = leases.pool();
		if (cidr != null && (pool == null || !pool.cidr().equals(cidr))) {
			repool(cidr, settings);
			changed = true;
		}
		String cidr6 = props.get(TunDevice.SUBNET6) instanceof String p6 && !p6.isBlank() ? p6.strip() : null;
		AddressPool6 pool6 = leases.pool6();
		if (!Objects.equals(cidr6, pool6 == null ? null : pool6.cidr())) {
			repool6(cidr6, settings);
			changed = true;
		}
		return changed;
	}

	/** Builds the pool for {@code cidr}; sessions and leases outside it end. */
	void repool(String cidr, SessionSettings settings) {
		Set<Integer> excluded = new HashSet<>(settings.excluded());
		excluded.addAll(AddressPool.localAddresses());
		AddressPool next = new AddressPool(cidr, excluded);
		for (SessionImpl s : index.snapshot()) {
			if (!next.leasable(s.tunnelAddress())) {
				close.accept(s, CloseReason.SHUTDOWN);
			}
		}
		leases.repool(next);
		log.info("Address pool {}", next);
	}

	/**
	 * Builds the IPv6 pool for {@code cidr} (null: IPv6 off); sessions whose IPv6 address it lacks
	 * end (their clients learn their addresses again in a new handshake), leases lose it.
	 */
	void repool6(String cidr, SessionSettings settings) {
		AddressPool6 next = null;
		if (cidr != null) {
			try {
				Set<IpAddress> excluded = new HashSet<>(settings.excluded6());
				excluded.addAll(AddressPool6.localAddresses());
				next = new AddressPool6(cidr, excluded);
			} catch (IllegalArgumentException e) {
				log.error("IPv6 stays off: the TUN device's prefix {} is not usable: {}", cidr, e.getMessage());
			}
		}
		for (SessionImpl s : index.snapshot()) {
			if (s.has6() && (next == null || !next.leasable(s.tunnelAddress6Hi(), s.tunnelAddress6Lo()))) {
				close.accept(s, CloseReason.SHUTDOWN);
			}
		}
		leases.repool6(next);
		log.info("IPv6 address pool {}", next == null ? "off" : next);
	}
}
