package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.session.impl.AddressPoolTest.ip;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;

class SessionIndexTest {

	private final SessionIndex index = new SessionIndex();

	private static SessionImpl session(long id, String clientId, long endpoint, String address) {
		return new SessionImpl(id, clientId, endpoint, ip(address), Instant.EPOCH, 0, new SessionImpl.Share());
	}

	@Test
	void findsASessionByEachKeyUntilItIsRemoved() {
		long ep = EndpointKey.key(ip("198.51.100.7"), 4000);
		SessionImpl s = session(7, "alice", ep, "10.77.0.2");
		index.add(s);
		assertThat(index.byEndpoint(ep)).isSameAs(s);
		assertThat(index.byAddress(ip("10.77.0.2"))).isSameAs(s);
		assertThat(index.byClient("alice")).isSameAs(s);
		assertThat(index.byId(7)).isSameAs(s);
		assertThat(index.size()).isEqualTo(1);
		index.remove(s);
		assertThat(index.byEndpoint(ep)).isNull();
		assertThat(index.byAddress(ip("10.77.0.2"))).isNull();
		assertThat(index.byClient("alice")).isNull();
		assertThat(index.snapshot()).isEmpty();
	}

	@Test
	void addressesWithTheHighBitSetAreFound() {
		SessionImpl s = session(1, null, 1, "172.31.0.2");
		SessionImpl high = session(2, null, 2, "240.0.0.2");
		index.add(s);
		index.add(high);
		assertThat(index.byAddress(ip("240.0.0.2"))).isSameAs(high);
		assertThat(index.snapshot()).containsExactlyInAnyOrder(s, high);
	}

	@Test
	void aRoamingSessionMovesToItsNewEndpoint() {
		long from = EndpointKey.key(ip("198.51.100.7"), 4000);
		long to = EndpointKey.key(ip("203.0.113.9"), 5000);
		SessionImpl s = session(1, "alice", from, "10.77.0.2");
		index.add(s);
		index.move(s, to);
		assertThat(index.byEndpoint(from)).isNull();
		assertThat(index.byEndpoint(to)).isSameAs(s);
		assertThat(s.endpoint()).isEqualTo(to);
		assertThat(index.size()).isEqualTo(1);
	}

	@Test
	void findsASessionByItsIpv6AddressOnlyWithBothHalves() {
		IpAddress a = IpAddress.parse("fd00:77::1234:5678:9abc:def0");
		SessionImpl s = new SessionImpl(9, "bob", EndpointKey.key(ip("198.51.100.7"), 4001), ip("10.77.0.3"), a.high(), a.low(),
				Instant.EPOCH, 0, new SessionImpl.Share());
		index.add(s);
		assertThat(index.byAddress6(a.high(), a.low())).isSameAs(s);
		assertThat(index.byAddress6(a.high() + 1, a.low())).as("another /64, same low bits").isNull();
		assertThat(index.byAddress6(a.high(), a.low() + 1)).isNull();
		assertThat(s.tunnelAddress6()).isEqualTo(a);
		index.remove(s);
		assertThat(index.byAddress6(a.high(), a.low())).isNull();
		SessionImpl v4only = session(10, "carol", 5, "10.77.0.4");
		index.add(v4only);
		assertThat(v4only.tunnelAddress6()).isNull();
		assertThat(index.byAddress6(0, 0)).isNull();
	}

	@Test
	void anIpv6LookupAllocatesNothing() {
		IpAddress[] addresses = new IpAddress[1000];
		for (int i = 0; i < addresses.length; i++) {
			addresses[i] = IpAddress.ofIpv6(0xfd00_0077_0000_0000L, 0x1234_5678_0000_0000L + i * 0x9E37_79B9L);
			index.add(new SessionImpl(i, "c" + i, i + 1, ip("10.77.0.2") + i, addresses[i].high(), addresses[i].low(), Instant.EPOCH, 0,
					new SessionImpl.Share()));
		}
		long hi = addresses[0].high();
		long[] lows = new long[addresses.length];
		for (int i = 0; i < lows.length; i++) {
			lows[i] = addresses[i].low();
		}
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
		long found = 0;
		long before = threads.getCurrentThreadAllocatedBytes();
		for (int round = 0; round < 1000; round++) {
			for (long lo : lows) {
				found += index.byAddress6(hi, lo) != null ? 1 : 0;
			}
		}
		long allocated = threads.getCurrentThreadAllocatedBytes() - before;
		assertThat(found).isEqualTo(1_000_000);
		assertThat(allocated).as("bytes allocated by a million lookups").isLessThan(1024);
	}
}
