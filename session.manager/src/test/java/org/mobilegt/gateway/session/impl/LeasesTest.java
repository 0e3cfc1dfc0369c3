package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mobilegt.gateway.session.impl.AddressPoolTest.ip;

import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.session.api.SessionRefusedException;

class LeasesTest {

	private static final long MINUTE = 60_000;
	private static final long EP = EndpointKey.key(ip("198.51.100.7"), 4000);

	private final Leases leases = new Leases();

	LeasesTest() {
		leases.repool(new AddressPool("10.77.0.0/29", Set.of()));
	}

	private int assign(String clientId, int requested, long now) throws SessionRefusedException {
		return leases.assign(Leases.key(clientId, EP), EP, requested, now, MINUTE, a -> false).address;
	}

	@Test
	void aClientIdGetsItsAddressBackUntilTheLeaseRunsOut() throws Exception {
		int first = assign("alice", 0, 0);
		leases.ended("alice", EP, first, 1000, MINUTE);
		assertThat(leases.view(0, 2000).reserved()).isEqualTo(1);
		assertThat(assign("alice", 0, 2000)).isEqualTo(first);
		leases.ended("alice", EP, first, 3000, MINUTE);
		assertThat(leases.expire(3000 + MINUTE - 1)).isFalse();
		assertThat(leases.expire(3000 + MINUTE)).isTrue();
		assertThat(leases.view(0, 3000 + MINUTE).leases()).isEmpty();
		assertThat(leases.pool().taken(first)).isFalse();
	}

	@Test
	void anAnonymousAddressReturnsToThePoolWhenItsSessionEnds() throws Exception {
		int address = assign(null, 0, 0);
		leases.ended(null, EP, address, 1000, MINUTE);
		assertThat(leases.pool().taken(address)).isFalse();
		assertThat(leases.size()).isZero();
	}

	@Test
	void anAssignedAddressMustBeLeasableAndDisplacesAStaleReservation() throws Exception {
		assertThatThrownBy(() -> assign("bob", ip("10.77.0.1"), 0)).isInstanceOf(SessionRefusedException.class)
				.hasMessageContaining("outside the client subnet");
		int alice = assign("alice", 0, 0);
		leases.ended("alice", EP, alice, 0, MINUTE);
		assertThat(assign("bob", alice, 0)).isEqualTo(alice);
		assertThat(leases.view(1, 0).leases()).singleElement().satisfies(l -> assertThat(l.clientId()).isEqualTo("bob"));
	}

	@Test
	void anExhaustedPoolIsRefusedWithItsFigures() throws Exception {
		for (int i = 0; i < 5; i++) {
			assign("c" + i, 0, 0);
		}
		assertThatThrownBy(() -> assign("late", 0, 0)).isInstanceOf(SessionRefusedException.class)
				.hasMessageContaining("all 5 addresses of 10.77.0.0/29");
	}

	@Test
	void aNewPoolDropsLeasesOutsideItAndTakesTheRest() throws Exception {
		int address = assign("alice", 0, 0);
		leases.repool(new AddressPool("10.77.0.0/29", Set.of(address)));
		assertThat(leases.size()).isZero();
		int other = assign("bob", 0, 0);
		leases.repool(new AddressPool("10.77.0.0/29", Set.of()));
		assertThat(leases.pool().taken(other)).isTrue();
	}

	@Test
	void savedLeasesComeBackOnlyWhenTheyFitThePool() {
		leases.restoreReserved("id:alice", ip("10.77.0.3"), null, MINUTE);
		leases.restoreReserved("id:mallory", ip("10.99.0.3"), null, MINUTE);
		assertThat(leases.saved()).extracting(SavedState.SavedLease::key).containsExactly("id:alice");
		assertThat(leases.pool().taken(ip("10.77.0.3"))).isTrue();
	}

	@Test
	void bothFamiliesAreStickyByClientIdAndAnAnonymousClientGetsIpv6Too() throws Exception {
		leases.repool6(new AddressPool6("fd00:77::/64", Set.of()));
		Leases.LeaseState first = leases.assign(Leases.key("alice", EP), EP, 0, 0, MINUTE, a -> false);
		assertThat(first.has6()).isTrue();
		leases.ended("alice", EP, first.address, 1000, MINUTE);
		assertThat(leases.view(0, 2000).reserved6()).isEqualTo(1);
		Leases.LeaseState again = leases.assign(Leases.key("alice", EP), EP, 0, 2000, MINUTE, a -> false);
		assertThat(again.address).isEqualTo(first.address);
		assertThat(again.address6()).isEqualTo(first.address6());
		Leases.LeaseState anon = leases.assign(Leases.key(null, EP), EP, 0, 2000, MINUTE, a -> false);
		assertThat(anon.address6()).isNotNull().isNotEqualTo(first.address6());
		leases.ended(null, EP, anon.address, 3000, MINUTE);
		assertThat(leases.pool6().taken(anon.lo6)).as("an anonymous address returns to the pool").isFalse();
		assertThat(leases.view(1, 3000)).satisfies(p -> {
			assertThat(p.subnet6()).isEqualTo("fd00:77::/64");
			assertThat(p.used6()).isEqualTo(1);
			assertThat(p.leases()).singleElement().satisfies(l -> assertThat(l.address6()).isEqualTo(first.address6()));
		});
	}

	@Test
	void anExhaustedIpv6PoolRefusesAndKeepsTheIpv4AddressFree() throws Exception {
		leases.repool6(new AddressPool6("fd00:77::/126", Set.of())); // ::2 and ::3
		assign("a", 0, 0);
		assign("b", 0, 0);
		assertThatThrownBy(() -> assign("c", 0, 0)).isInstanceOf(SessionRefusedException.class)
				.hasMessageContaining("IPv6 address pool exhausted: all 2 addresses of fd00:77::/126");
		assertThat(leases.view(2, 0).free()).as("no IPv4 address was taken for the refused one").isEqualTo(3);
	}

	@Test
	void ipv6OffDropsTheIpv6HalfOfLeasesAndANewPrefixGivesNewAddresses() throws Exception {
		leases.repool6(new AddressPool6("fd00:77::/64", Set.of()));
		Leases.LeaseState first = leases.assign(Leases.key("alice", EP), EP, 0, 0, MINUTE, a -> false);
		leases.ended("alice", EP, first.address, 0, MINUTE);
		leases.repool6(null);
		assertThat(leases.view(0, 0).subnet6()).isNull();
		Leases.LeaseState v4only = leases.assign(Leases.key("alice", EP), EP, 0, 0, MINUTE, a -> false);
		assertThat(v4only.address).isEqualTo(first.address);
		assertThat(v4only.has6()).isFalse();
		leases.ended("alice", EP, first.address, 0, MINUTE);
		leases.repool6(new AddressPool6("fd00:88::/64", Set.of()));
		assertThat(leases.assign(Leases.key("alice", EP), EP, 0, 0, MINUTE, a -> false).address6().toString()).startsWith("fd00:88::");
	}

	@Test
	void aPerSourceRefusalGivesTheIpv6AddressBack() throws Exception {
		leases.repool6(new AddressPool6("fd00:77::/126", Set.of())); // ::2 and ::3
		leases.limits().limits(0, 1); // one new lease per source and minute
		assign("a", 0, 0);
		assertThatThrownBy(() -> assign("b", 0, 0)).isInstanceOf(SessionRefusedException.class)
				.hasMessageContaining("maxNewLeasesPerSourcePerMinute=1");
		long other = EndpointKey.key(ip("203.0.113.9"), 4000);
		Leases.LeaseState c = leases.assign(Leases.key("c", other), other, 0, 0, MINUTE, a -> false);
		assertThat(c.address6()).as("the refused one's IPv6 address was not kept").isNotNull();
	}

	@Test
	void anAssignedAddressThatDisplacesAReservationFreesItsIpv6AddressToo() throws Exception {
		leases.repool6(new AddressPool6("fd00:77::/126", Set.of())); // ::2 and ::3
		Leases.LeaseState alice = leases.assign(Leases.key("alice", EP), EP, 0, 0, MINUTE, a -> false);
		leases.ended("alice", EP, alice.address, 0, MINUTE);
		assign("bob", alice.address, 0); // RADIUS gives bob alice's reserved IPv4 address: her lease ends
		assertThat(leases.pool6().taken(alice.lo6)).as("alice's IPv6 address is free again").isFalse();
		assign("carol", 0, 0);
		assertThat(leases.view(2, 0).used6()).isEqualTo(2);
	}
}
