package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.IpAddress;

class AddressPoolTest {

	static int ip(String dotted) {
		String[] p = dotted.split("\\.");
		return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 | Integer.parseInt(p[3]);
	}

	@Test
	void leasesEveryHostButNetworkBroadcastGatewayAndExclusions() {
		AddressPool pool = new AddressPool("10.77.0.0/29", Set.of(ip("10.77.0.4"), ip("192.168.1.1")));
		assertThat(pool.size()).as(".2 .3 .5 .6").isEqualTo(4);
		Set<String> leased = new HashSet<>();
		for (OptionalInt a = pool.allocate(); a.isPresent(); a = pool.allocate()) {
			leased.add(IpAddress.formatIpv4(a.getAsInt()));
		}
		assertThat(leased).containsExactlyInAnyOrder("10.77.0.2", "10.77.0.3", "10.77.0.5", "10.77.0.6");
		assertThat(pool.leasable(ip("10.77.0.1"))).isFalse();
		assertThat(pool.leasable(ip("10.77.0.7"))).isFalse();
		assertThat(pool.leasable(ip("10.77.0.4"))).isFalse();
		assertThat(pool.leasable(ip("10.77.0.0"))).isFalse();
	}

	@Test
	void releasedAddressesAreReusedAfterTheOthers() {
		AddressPool pool = new AddressPool("10.77.0.0/29", Set.of());
		int first = pool.allocate().getAsInt();
		pool.release(first);
		assertThat(pool.allocate().getAsInt()).as("the cursor moves on").isNotEqualTo(first);
		pool.allocate();
		pool.allocate();
		pool.allocate();
		assertThat(pool.allocate().getAsInt()).as("then wraps around").isEqualTo(first);
		assertThat(pool.allocate()).isEmpty();
	}

	@Test
	void takenAddressesAreSkipped() {
		AddressPool pool = new AddressPool("10.77.0.0/30", Set.of());
		pool.take(ip("10.77.0.2"));
		assertThat(pool.allocate()).isEmpty();
		assertThat(pool.taken(ip("10.77.0.2"))).isTrue();
	}

	@Test
	void spreadOverTwoUplinksFreshLeasesFillTheClassThatLostClientsAfterChurn() {
		AddressPool pool = new AddressPool("10.77.0.0/24", Set.of());
		pool.spread(2);
		for (int i = 0; i < 8; i++) {
			pool.allocate(); // .2 to .9
		}
		for (String gone : new String[] { "10.77.0.3", "10.77.0.5", "10.77.0.7" }) {
			pool.release(ip(gone));
		}
		assertThat(next(pool, 4)).as("the odd class has 1 of 5 left: it gets the next 3, then the even class its turn")
				.containsExactly("10.77.0.11", "10.77.0.13", "10.77.0.15", "10.77.0.16");
		pool.spread(1);
		assertThat(next(pool, 2)).as("in turn again").containsExactly("10.77.0.17", "10.77.0.18");
	}

	@Test
	void spreadCountsWhatWasTakenBefore() {
		AddressPool pool = new AddressPool("10.77.0.0/24", Set.of());
		pool.take(ip("10.77.0.2"));
		pool.take(ip("10.77.0.4"));
		pool.take(ip("10.77.0.4")); // twice: counted once
		pool.spread(2);
		assertThat(next(pool, 3)).containsExactly("10.77.0.3", "10.77.0.5", "10.77.0.6");
	}

	@Test
	void aClassWithNoFreeAddressLeftIsPassedOverUntilThePoolIsFull() {
		AddressPool pool = new AddressPool("10.77.0.0/29", Set.of(ip("10.77.0.5")));
		pool.spread(3); // .2 .3 .4 .6 are in classes 2, 0, 1, 0 (mod 3)
		List<String> all = next(pool, 4);
		assertThat(all).containsExactlyInAnyOrder("10.77.0.2", "10.77.0.3", "10.77.0.4", "10.77.0.6");
		assertThat(pool.allocate()).isEmpty();
		pool.release(ip("10.77.0.6"));
		assertThat(next(pool, 1)).containsExactly("10.77.0.6");
	}

	private static List<String> next(AddressPool pool, int n) {
		List<String> got = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			got.add(IpAddress.formatIpv4(pool.allocate().orElseThrow()));
		}
		return got;
	}

	@Test
	void aLargeSubnetHasRoomForEveryone() {
		assertThat(new AddressPool("10.0.0.0/8", Set.of()).size()).isEqualTo((1 << 24) - 3);
	}

	@Test
	void aLargeSubnetSpreadsOverManyWaysWithoutWalkingItsAddresses() {
		AddressPool pool = new AddressPool("10.0.0.0/8", Set.of());
		pool.spread(16); // 16 million addresses: counted from the arithmetic, not one by one
		int[] perClass = new int[16];
		for (String a : next(pool, 32)) {
			perClass[Integer.remainderUnsigned(ip(a), 16)]++;
		}
		assertThat(perClass).containsOnly(2);
	}
}
