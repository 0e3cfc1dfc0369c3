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
		return leases.assign(Leases.key(clientId, EP), EP, requested, now, MINUTE, a -> false);
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
		leases.restoreReserved("id:alice", ip("10.77.0.3"), MINUTE);
		leases.restoreReserved("id:mallory", ip("10.99.0.3"), MINUTE);
		assertThat(leases.saved()).extracting(SavedState.SavedLease::key).containsExactly("id:alice");
		assertThat(leases.pool().taken(ip("10.77.0.3"))).isTrue();
	}
}
