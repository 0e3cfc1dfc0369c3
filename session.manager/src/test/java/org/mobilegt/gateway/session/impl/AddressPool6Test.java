package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpPrefix;

class AddressPool6Test {

	static IpAddress v6(String text) {
		return IpAddress.parse(text);
	}

	@Test
	void aSmallPrefixLeasesEveryHostButTheRouterAnycastTheGatewayAndExclusionsThenIsExhausted() {
		AddressPool6 pool = new AddressPool6("fd00:77::/120", Set.of(v6("fd00:77::9"), v6("fd00:99::9"), v6("fd00:77::1")), new Random(1));
		assertThat(pool.size()).as("256 - ::0 - ::1 - ::9 (::1 excluded again counts once)").isEqualTo(253);
		Set<IpAddress> leased = new HashSet<>();
		for (IpAddress a = pool.allocate(); a != null; a = pool.allocate()) {
			assertThat(leased.add(a)).as("distinct").isTrue();
		}
		assertThat(leased).hasSize(253).doesNotContain(v6("fd00:77::"), v6("fd00:77::1"), v6("fd00:77::9"))
				.allMatch(a -> IpPrefix.parse("fd00:77::/120").contains(a));
		assertThat(pool.allocate()).as("exhausted").isNull();
		pool.release(v6("fd00:77::42").high(), v6("fd00:77::42").low());
		assertThat(pool.allocate()).as("the one released is found again").isEqualTo(v6("fd00:77::42"));
	}

	@Test
	void aSlash64PoolDrawsRandomInterfaceIdsNotTheNextOne() {
		AddressPool6 pool = new AddressPool6("fd00:77:0:1::/64", Set.of());
		assertThat(pool.size()).isEqualTo(Long.MAX_VALUE);
		IpAddress a = pool.allocate();
		IpAddress b = pool.allocate();
		assertThat(IpPrefix.parse("fd00:77:0:1::/64").contains(a)).isTrue();
		assertThat(a.high()).isEqualTo(b.high());
		// ::2, ::3 would differ by one; two random 64-bit ids are never neighbours in practice
		assertThat(Math.abs(a.low() - b.low())).isGreaterThan(1 << 16);
		assertThat(pool.taken(a.low())).isTrue();
	}

	@Test
	void neverLeasesTheSubnetRouterAnycastNorTheGatewaysOwnAddress() {
		AddressPool6 pool = new AddressPool6("fd00:77::/64", Set.of());
		for (String s : new String[] { "fd00:77::", "fd00:77::1", "fd00:78::2", "10.77.0.2" }) {
			IpAddress a = v6(s.contains(":") ? s : "::ffff:" + s);
			assertThat(pool.leasable(a.high(), a.low())).as(s).isFalse();
		}
		assertThat(pool.leasable(v6("fd00:77::2").high(), v6("fd00:77::2").low())).isTrue();
		// a /127 has only ::0 and ::1
		AddressPool6 tiny = new AddressPool6("fd00:77::/127", Set.of());
		assertThat(tiny.size()).isZero();
		assertThat(tiny.allocate()).isNull();
	}

	@Test
	void aPrefixShorterThan64KeepsTheLow64BitsUnique() {
		AddressPool6 pool = new AddressPool6("fd00:77::/48", Set.of());
		IpAddress a = pool.allocate();
		long otherHigh = a.high() ^ 1; // same low bits in another /64 of the prefix
		assertThat(pool.leasable(otherHigh, a.low())).isTrue();
		assertThat(pool.free(otherHigh, a.low())).as("its low bits are taken").isFalse();
	}

	@Test
	void anIpv4SubnetIsRefused() {
		assertThatThrownBy(() -> new AddressPool6("10.77.0.0/16", Set.of())).hasMessageContaining("not an IPv6 prefix");
	}
}
