package org.mobilegt.gateway.tun.impl;

import java.util.Map;

/**
 * Benchmark main for bench/fw-cost.sh (test scope: not part of the bundle): prints the nft table
 * the driver installs with every {@code mobilegt.tun} key at its default (isolation on, subnet6
 * from a fixed ULA prefix), so the benchmark measures the table the product builds, not a copy.
 */
public final class FirewallScript {

	private FirewallScript() {
	}

	public static void main(String[] args) {
		System.out.print(TunSettings.of(Fakes.config(Map.of()), Fakes.ULA).firewall().nftCreate());
	}
}
