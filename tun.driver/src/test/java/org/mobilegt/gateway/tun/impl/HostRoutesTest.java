package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.IpPrefix;

class HostRoutesTest {

	private static final String ROUTES = """
			default via 192.168.1.1 dev eth0 proto dhcp src 192.168.1.9 metric 100
			10.77.0.0/16 dev mgt0 scope link
			192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.9
			blackhole 10.200.0.0/16
			172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown
			""";
	private static final String ADDRS = """
			1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
			2: eth0    inet 192.168.1.9/24 brd 192.168.1.255 scope global dynamic eth0\\       valid_lft 3000sec
			5: wg0    inet 10.66.6.1/32 scope global wg0\\       valid_lft forever preferred_lft forever
			""";

	private static String conflict(String subnet) {
		return HostRoutes.conflict(IpPrefix.parse(subnet), "mgt0", ROUTES, ADDRS).orElse(null);
	}

	@Test
	void theDefaultRouteAndTheDevicesOwnRouteAreNoConflict() {
		assertThat(conflict("10.77.0.0/16")).isNull();
		assertThat(conflict("10.78.0.0/16")).isNull();
	}

	@Test
	void aRouteOfAnotherInterfaceThatOverlapsIsNamed() {
		assertThat(conflict("192.168.0.0/16")).isEqualTo("the route 192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.9");
		assertThat(conflict("192.168.1.128/25")).startsWith("the route 192.168.1.0/24 dev eth0");
		assertThat(conflict("172.16.0.0/12")).startsWith("the route 172.17.0.0/16 dev docker0");
		assertThat(conflict("10.200.3.0/24")).isEqualTo("the route blackhole 10.200.0.0/16");
	}

	@Test
	void anAddressWithoutARouteIsNamedToo() {
		assertThat(conflict("10.66.0.0/16")).isEqualTo("the address 10.66.6.1/32 of wg0");
		assertThat(conflict("127.0.0.0/8")).isEqualTo("the address 127.0.0.1/8 of lo");
	}

	@Test
	void ipv6RoutesAndAddressesOfOtherInterfacesConflictTooButLinkLocalAndDefaultDoNot() {
		String routes = """
				2001:db8:5::/48 dev eth0 proto ra metric 100 pref medium
				fd12:3456:789a::/64 dev mgt0 proto kernel metric 256 pref medium
				fe80::/64 dev eth0 proto kernel metric 256 pref medium
				default via fe80::1 dev eth0 proto ra metric 100 pref medium
				""";
		String addrs = """
				1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever
				2: eth0    inet6 2001:db8:5::9/64 scope global dynamic mngtmpaddr \\       valid_lft 86000sec
				5: wg0    inet6 fd99::1/128 scope global \\       valid_lft forever preferred_lft forever
				""";
		assertThat(HostRoutes.conflict(IpPrefix.parse("fd12:3456:789a::/64"), "mgt0", routes, addrs)).isEmpty();
		assertThat(HostRoutes.conflict(IpPrefix.parse("2001:db8:5:7::/64"), "mgt0", routes, addrs)).contains(
				"the route 2001:db8:5::/48 dev eth0 proto ra metric 100 pref medium");
		assertThat(HostRoutes.conflict(IpPrefix.parse("fd99::/64"), "mgt0", routes, addrs)).contains("the address fd99::1/128 of wg0");
	}

	@Test
	void anUnreachableRouteHoldingADelegatedIpv6PrefixIsNoConflictForASubnetInsideIt() {
		String routes = """
				unreachable 2001:db8:7::/56 dev lo proto dhcp metric 1024 pref medium
				blackhole 2001:db8:8::/64 dev lo metric 1024 pref medium
				""";
		assertThat(HostRoutes.conflict(IpPrefix.parse("2001:db8:7:1::/64"), "mgt0", routes, "")).isEmpty();
		assertThat(HostRoutes.conflict(IpPrefix.parse("2001:db8:8::/64"), "mgt0", routes, "")).as("not more specific")
				.contains("the route blackhole 2001:db8:8::/64 dev lo metric 1024 pref medium");
		assertThat(HostRoutes.conflict(IpPrefix.parse("2001:db8::/32"), "mgt0", routes, "")).as("covering it")
				.contains("the route unreachable 2001:db8:7::/56 dev lo proto dhcp metric 1024 pref medium");
	}
}
