package org.mobilegt.gateway.net.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiPredicate;

import org.junit.jupiter.api.Test;

class Ipv6InternsTest {

	private static final long NET = 0x2001_0db8_0000_0001L;

	@Test
	void knownAddressesKeepTheirIdAndDistinctAddressesNeverShareOne() {
		Ipv6Interns t = new Ipv6Interns(4096);
		Set<Long> ids = new HashSet<>();
		for (long lo = 0; lo < 4096; lo++) {
			assertThat(ids.add(t.id(NET, lo))).isTrue();
		}
		for (long lo = 0; lo < 4096; lo++) {
			long id = t.id(NET, lo);
			assertThat(t.find(NET, lo)).isEqualTo(id);
			assertThat(t.address(id)).isEqualTo(IpAddress.ofIpv6(NET, lo));
		}
		assertThat(t.size()).isEqualTo(4096);
	}

	@Test
	void aFloodOfNewSourcesStaysWithinTheCapAndEvictsOnlyWhatNobodyRetains() {
		Ipv6Interns t = new Ipv6Interns(64);
		long session = t.id(NET, 1);
		assertThat(t.retain(session)).isTrue();
		long stranger = t.id(NET, 2);
		for (long lo = 1000; lo < 100_000; lo++) {
			assertThat(t.id(0x2001_0db8_ffff_0000L, lo)).isNotNegative();
		}
		assertThat(t.size()).isEqualTo(64);
		assertThat(t.find(NET, 1)).isEqualTo(session);
		assertThat(t.address(session)).isEqualTo(IpAddress.ofIpv6(NET, 1));
		// the evicted address's old id resolves to nothing, not to the address now in its entry
		assertThat(t.address(stranger)).isNull();
		assertThat(t.copy(stranger, ByteBuffer.allocate(16), 0)).isFalse();
		assertThat(t.retain(stranger)).isFalse();
		long again = t.id(NET, 2);
		assertThat(again).isNotEqualTo(stranger);
		assertThat(t.address(again)).isEqualTo(IpAddress.ofIpv6(NET, 2));
	}

	@Test
	void aTableFullOfRetainedAddressesRefusesNewOnesUntilOneIsReleased() {
		Ipv6Interns t = new Ipv6Interns(8);
		long[] ids = new long[8];
		for (int i = 0; i < 8; i++) {
			ids[i] = t.id(NET, i);
			t.retain(ids[i]);
		}
		assertThat(t.id(NET, 99)).isEqualTo(-1);
		t.release(ids[5]);
		long id = t.id(NET, 99);
		assertThat(id).isNotNegative();
		assertThat(t.address(ids[5])).isNull();
		for (int i = 0; i < 8; i++) {
			if (i != 5) {
				assertThat(t.find(NET, i)).isEqualTo(ids[i]);
			}
		}
	}

	@Test
	void lookupsAfterEvictionsStillFindEveryLiveAddress() {
		Ipv6Interns t = new Ipv6Interns(16);
		for (long lo = 0; lo < 10_000; lo++) {
			long id = t.id(NET, lo);
			assertThat(t.find(NET, lo)).isEqualTo(id);
			for (long back = Math.max(0, lo - 15); back <= lo; back++) {
				assertThat(t.find(NET, back)).as("address %d after adding %d", back, lo).isNotNegative();
			}
		}
	}

	@Test
	void readersRacingAFloodSeeAnIdsOwnAddressOrNothingNeverAnother() throws Exception {
		Ipv6Interns t = new Ipv6Interns(256);
		long session = t.id(NET, -1);
		t.retain(session);
		ByteBuffer out = ByteBuffer.allocate(16);
		whileAdding(t, 200_000, (i, id) -> {
			assertThat(t.find(NET, -1)).isEqualTo(session);
			if (!t.copy(id, out, 0)) {
				return false; // evicted since
			}
			assertThat(out.getLong(8)).as("address of id %x", id).isEqualTo(i.longValue());
			return true;
		});
		assertThat(t.size()).isEqualTo(256);
	}

	@Test
	void theEntriesGrowWithTheAddressesSeenUpToTheCapacityAndEveryIdStaysValid() {
		Ipv6Interns t = new Ipv6Interns(1 << Ipv6Interns.ENTRY_BITS);
		assertThat(t.entriesAllocated()).as("a new table").isEqualTo(Ipv6Interns.FIRST_ENTRIES);
		long[] ids = new long[1 << Ipv6Interns.ENTRY_BITS];
		for (int i = 0; i < ids.length; i++) {
			ids[i] = t.id(NET, i);
			if (i == Ipv6Interns.FIRST_ENTRIES) {
				assertThat(t.entriesAllocated()).as("one address more than it started with").isEqualTo(2 * Ipv6Interns.FIRST_ENTRIES);
			}
		}
		assertThat(t.entriesAllocated()).isEqualTo(ids.length);
		for (int i = 0; i < ids.length; i++) {
			assertThat(t.find(NET, i)).isEqualTo(ids[i]);
			assertThat(t.address(ids[i])).isEqualTo(IpAddress.ofIpv6(NET, i));
		}
		assertThat(t.id(NET, -1)).as("full: the oldest nobody retains makes room").isNotNegative();
		assertThat(t.address(ids[0])).isNull();
	}

	@Test
	void readersRacingGrowthFindEveryAddressAddedBeforeAndItsOwnAddress() throws Exception {
		Ipv6Interns t = new Ipv6Interns(1 << Ipv6Interns.ENTRY_BITS);
		ByteBuffer out = ByteBuffer.allocate(16);
		whileAdding(t, 60_000, (i, id) -> {
			assertThat(t.find(NET, i)).as("address %d", i).isEqualTo(id.longValue());
			assertThat(t.copy(id, out, 0)).isTrue();
			assertThat(out.getLong(8)).isEqualTo(i.longValue());
			return true;
		});
		assertThat(t.entriesAllocated()).isEqualTo(64 * Ipv6Interns.FIRST_ENTRIES);
	}

	/**
	 * Adds addresses 0 to n - 1 on another thread while this one checks random ones it has an id
	 * for; {@code check} says whether it could check one, and some must have been checked.
	 */
	private static void whileAdding(Ipv6Interns t, int n, BiPredicate<Integer, Long> check) throws InterruptedException {
		AtomicLongArray issued = new AtomicLongArray(n); // id + 1 of address i
		Thread adder = new Thread(() -> {
			for (int i = 0; i < n; i++) {
				issued.set(i, t.id(NET, i) + 1);
			}
		});
		adder.start();
		Random random = new Random(1);
		long checked = 0;
		while (adder.isAlive() || checked == 0) {
			int i = random.nextInt(n);
			long id = issued.get(i) - 1;
			if (id >= 0 && check.test(i, id)) {
				checked++;
			}
		}
		adder.join();
		assertThat(checked).isPositive();
	}

	@Test
	void knownAddressesAreLookedUpWithoutAllocating() {
		Ipv6Interns t = new Ipv6Interns(1024);
		for (long lo = 0; lo < 1024; lo++) {
			t.id(NET, lo);
		}
		com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
		long before = mx.getCurrentThreadAllocatedBytes();
		long sum = 0;
		ByteBuffer out = ByteBuffer.allocate(16);
		for (int i = 0; i < 1_000_000; i++) {
			long id = t.id(NET, i & 1023);
			sum += id;
			t.copy(id, out, 0);
		}
		long allocated = mx.getCurrentThreadAllocatedBytes() - before;
		assertThat(sum).isNotZero();
		assertThat(allocated).isLessThan(10_000);
	}
}
