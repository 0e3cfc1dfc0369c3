package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.tunnel.impl.Fakes.FakeSession;

/** Which busy clients move between two or more uplinks, from their packets and the sockets' drops. */
class TrafficBalanceTest {

	private static final int NET = 0x0A4D_0000; // 10.77.0.0

	private final TrafficBalance balance = new TrafficBalance();
	private final List<FakeSession> sessions = new ArrayList<>();
	private Map<Integer, Integer> moved = Map.of();

	private FakeSession client(int host) {
		FakeSession s = new FakeSession(host, NET | host);
		sessions.add(s);
		return s;
	}

	/** One tick in which each session sent {@code packets[i]} and each socket dropped {@code lost[j]}; the moves then in force. */
	private Map<Integer, Integer> tick(long[] packets, long... lost) {
		for (int i = 0; i < packets.length; i++) {
			sessions.get(i).rxPackets.addAndGet(packets[i]);
		}
		Map<Integer, Integer> next = balance.next(sessions, moved, lost);
		if (next != null) {
			moved = next;
		}
		return next;
	}

	/** The socket each session's data reaches under {@link #moved}. */
	private List<Integer> sockets(int n) {
		List<Integer> on = new ArrayList<>();
		for (FakeSession s : sessions) {
			on.add(moved.getOrDefault(s.address, Integer.remainderUnsigned(s.address, n)));
		}
		return on;
	}

	@Test
	void threeSendersOnASaturatedSocketAndOneOnTheOtherEndTwoAndTwo() {
		client(2);
		client(250);
		client(251);
		client(252); // classes 0, 0, 1, 0: as the full run of 2026-12-01 split them
		assertThat(tick(new long[] { 5, 5, 5, 5 }, 0, 0)).as("the first tick only measures").isNull();
		// what the 3 / 1 split carried: the thread of three drops what it cannot read
		assertThat(tick(new long[] { 16_600, 16_600, 36_000, 16_600 }, 60_000, 0)).isNotNull();
		assertThat(sockets(2)).as("one of the three moved").containsExactlyInAnyOrder(0, 0, 1, 1);
		long[] even = { 34_000, 34_000, 34_000, 34_000 };
		assertThat(tick(even, 0, 0)).as("balanced: nothing moves").isNull();
		assertThat(tick(even, 0, 0)).isNull();
	}

	@Test
	void byWhatTheyCarryWhenNoSocketDrops() {
		client(2);
		client(4);
		client(6);
		client(3);
		tick(new long[] { 1, 1, 1, 1 }, 0, 0);
		long[] rates = { 20_000, 8_000, 5_000, 4_000 };
		tick(rates, 0, 0);
		// 33,000 against 4,000: the 20,000 one comes nearest to half the gap (13,000 against 24,000
		// then), and the 4,000 one goes the other way (17,000 against 20,000: within an eighth)
		assertThat(moved).isEqualTo(Map.of(NET | 2, 1, NET | 3, 0));
		assertThat(sockets(2)).containsExactly(1, 0, 0, 0);
		assertThat(tick(rates, 0, 0)).as("nothing moves back").isNull();
	}

	@Test
	void quietSessionsAndSmallGapsMoveNothing() {
		client(2);
		client(4);
		client(6);
		tick(new long[] { 1, 1, 1 }, 0, 0);
		assertThat(tick(new long[] { 900, 900, 900 }, 0, 0)).as("below the packets worth a move").isNull();
		assertThat(tick(new long[] { 50_000, 0, 0 }, 0, 0)).as("one sender alone: moving it only moves the gap").isNull();
		assertThat(moved).isEmpty();
	}

	@Test
	void aMovedSessionsMoveEndsWithItAndADualStackOneMovesBothItsKeys() {
		FakeSession a = client(2);
		client(4);
		a.lo = 0x0001_0002L; // fd00::1:2, its low word even as its IPv4 address
		tick(new long[] { 1, 1 }, 0, 0);
		tick(new long[] { 10_000, 10_000 }, 0, 0);
		assertThat(moved).as("one of the two on socket 0 moved with what the program compares").isIn(
				Map.of(NET | 2, 1, 0x0001_0002, 1), Map.of(NET | 4, 1));
		Map<Integer, Integer> before = new HashMap<>(moved);
		sessions.removeIf(s -> before.containsKey(s.address));
		assertThat(tick(new long[] { 10_000 }, 0, 0)).as("its session ended: its keys leave the program").isEmpty();
	}

	@Test
	void theMovesStayWithinWhatTheProgramHolds() {
		for (int host = 2; host < 2 + 2 * 200; host += 2) { // 200 senders, all on socket 0 of 2
			client(host);
		}
		long[] each = new long[sessions.size()];
		java.util.Arrays.fill(each, 2_000);
		tick(each, 0, 0);
		for (int t = 0; t < 40; t++) {
			tick(each, 0, 0);
		}
		assertThat(moved).hasSize(LeaseSteering.MAX_MOVED);
		assertThat(LeaseSteering.program(0, 2, moved).length).as("2 rows a key and 12 more").isEqualTo(2 * LeaseSteering.MAX_MOVED + 12);
	}
}
