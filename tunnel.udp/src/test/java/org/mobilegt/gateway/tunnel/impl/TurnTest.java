package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.Wakeup;

/** Who reads a TUN device: the role's switches, and which are refused. */
class TurnTest {

	private final Kick kick;
	private final PolledTun tun;

	TurnTest() throws IOException {
		kick = new Kick();
		tun = new PolledTun();
	}

	@AfterEach
	void close() {
		kick.close();
		tun.close();
	}

	private boolean kicked() throws IOException {
		Wakeup w = new Wakeup(kick.fd());
		try {
			return w.awaitReadable(0) == Wakeup.Ready.READABLE;
		} finally {
			w.release();
		}
	}

	@Test
	void aDeviceWithSeveralQueuesOrNoPollDescriptorOrNoKickStaysWithTheDownlink() {
		tun.queues = 2;
		assertThat(Turn.of(tun, kick, true).role()).isEqualTo(Turn.SPLIT);
		tun.queues = 1;
		assertThat(Turn.of(tun, null, true).role()).isEqualTo(Turn.SPLIT);
		assertThat(Turn.of(new Fakes.FakeTun(0), kick, true).role()).isEqualTo(Turn.SPLIT);
		Turn split = Turn.split(tun);
		assertThat(split.toUplink()).isFalse();
		split.uplinkStarted();
		assertThat(split.role()).isEqualTo(Turn.SPLIT);
	}

	@Test
	void theDownlinkPassesTheTurnOnlyOnceAnUplinkRunsAndTheKickSaysSo() throws IOException {
		Turn turn = Turn.of(tun, kick, false);
		assertThat(turn.role()).isEqualTo(Turn.ALONE);
		assertThat(turn.toUplink()).as("no uplink to take it").isFalse();
		assertThat(kicked()).isFalse();

		turn.uplinkStarted();
		assertThat(turn.toUplink()).isTrue();
		assertThat(turn.uplinkReads()).isTrue();
		assertThat(kicked()).isTrue();
		kick.clear();
		assertThat(kicked()).isFalse();
		assertThat(turn.toUplink()).as("once").isFalse();
	}

	@Test
	void theUplinkGivesItBackAndUnparksTheDownlink() throws Exception {
		Turn turn = Turn.of(tun, kick, true);
		assertThat(turn.toUplink()).isTrue();
		Thread downlink = new Thread(() -> {
			while (turn.uplinkReads()) {
				LockSupport.park(); // unbounded: only an unpark ends it
			}
		});
		turn.downlinkThread(downlink);
		downlink.start();
		assertThat(Rig.await(() -> downlink.getState() == Thread.State.WAITING)).isTrue();

		assertThat(turn.toDownlink()).isTrue();
		downlink.join(Rig.WAIT_NANOS / 1_000_000);
		assertThat(downlink.isAlive()).as("unparked").isFalse();
		assertThat(turn.role()).isEqualTo(Turn.DOWNLINK);
		assertThat(turn.toDownlink()).as("once").isFalse();
	}

	@Test
	void aStoppingUplinkOrARetiredDeviceTakesTheTurnFromTheUplinkForGood() throws IOException {
		Turn turn = Turn.of(tun, kick, true);
		turn.toUplink();
		turn.uplinkStopping();
		assertThat(turn.role()).isEqualTo(Turn.ALONE);
		assertThat(turn.toUplink()).isFalse();
		turn.uplinkStarted();
		turn.toUplink();
		kick.clear();

		turn.retire();
		assertThat(turn.role()).isEqualTo(Turn.SPLIT);
		assertThat(kicked()).as("the uplink may poll its descriptor").isTrue();
		turn.uplinkStarted();
		assertThat(turn.toUplink()).isFalse();
		turn.uplinkStopping();
		assertThat(turn.role()).isEqualTo(Turn.SPLIT);
	}
}
