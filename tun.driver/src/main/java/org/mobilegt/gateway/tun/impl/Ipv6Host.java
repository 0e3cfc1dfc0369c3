package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.log.Logger;

/**
 * The device's IPv6 side for {@link TunDriver}: the gateway's address in {@code subnet6} (with the
 * kernel's route of the prefix) and IPv6 forwarding, each with its undo. Called under the driver's
 * lock only.
 */
final class Ipv6Host {

	private final HostNetwork host;
	private final Logger log;
	private Installed address;
	private Installed staged;
	private Installed forwarding;

	Ipv6Host(HostNetwork host, Logger log) {
		this.host = host;
		this.log = log;
	}

	/**
	 * At open: the address when {@code s} has IPv6, and no other (a killed or handed-over run's);
	 * the IPv6 sysctls a killed run changed are put back when forwarding is not wanted now.
	 */
	void open(TunSettings s) throws IOException {
		if (s.ipv6()) {
			address = host.address6(s.subnet6(), s.name());
		}
		host.removeStaleAddresses6(s.name(), s.ipv6() ? HostNetwork.address6(s.subnet6()) : null);
		if (!wantsForwarding(s)) {
			try {
				host.restoreForwarding6();
			} catch (IOException e) {
				log.warn("Could not restore the IPv6 sysctls an earlier run changed: {}", e.getMessage());
			}
		}
	}

	/** With the firewall: forwarding on when {@code s} has IPv6 and NAT, kept when already on. */
	void forwarding(TunSettings s) throws IOException {
		if (wantsForwarding(s) && forwarding == null) {
			try {
				forwarding = host.forwarding6(s.name()).orElse(null);
			} catch (HostNetwork.ForwardingOff e) {
				log.warn(e.getMessage());
			}
		}
	}

	/** After a change: forwarding off unless {@code s} still needs it. */
	void settle(TunSettings s) {
		if (!wantsForwarding(s)) {
			undo(forwarding);
			forwarding = null;
		}
	}

	private static boolean wantsForwarding(TunSettings s) {
		return s.ipv6() && s.nat();
	}

	/**
	 * A live change of subnet6: the new address goes in beside the old one; returns its take-back.
	 * {@link #commit()} then removes the old one.
	 */
	Installed stage(TunSettings next) throws IOException {
		staged = next.ipv6() ? host.address6(next.subnet6(), next.name()) : null;
		Installed added = staged;
		return new Installed("the IPv6 address change", () -> {
			if (added != null) {
				added.undo().run();
			}
			staged = null;
		});
	}

	void commit() {
		undo(address);
		address = staged;
		staged = null;
	}

	/** {@code keepForwarding}: a re-open, which must not switch forwarding off for a moment. */
	void close(boolean keepForwarding) {
		if (!keepForwarding) {
			undo(forwarding);
			forwarding = null;
		}
		undo(address);
		address = null;
	}

	/** Everything stays for the next activation; the sysctl records stay in the data area. */
	void handOver() {
		address = forwarding = null;
	}

	List<Installed> installed() {
		List<Installed> items = new ArrayList<>();
		for (Installed i : new Installed[] { address, forwarding }) {
			if (i != null) {
				items.add(i);
			}
		}
		return items;
	}

	private void undo(Installed item) {
		Installed.undo(item, log);
	}
}
