package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.session.api.SessionRefusedException;
import org.mobilegt.gateway.tunnel.api.DropReason;

/** Handshakes on the control workers, each reading the bindings snapshot of its own time. */
class ControlTest {

	private Rig rig;

	@BeforeEach
	void start() throws Exception {
		rig = new Rig(0);
	}

	@AfterEach
	void close() throws Exception {
		rig.close();
	}

	private void handshake(String payload) {
		rig.control.handshake(rig.endpoint, ByteBuffer.wrap(("\0" + payload).getBytes(StandardCharsets.US_ASCII)));
	}

	private byte[] awaitReply() throws Exception {
		byte[] reply = null;
		for (int i = 0; reply == null && i < 100; i++) {
			reply = rig.receive();
		}
		return reply;
	}

	@Test
	void aGoodKeyOpensASessionAndIsAnsweredWithItsLease() throws Exception {
		handshake("secret");

		assertThat(awaitReply()).isEqualTo(rig.settings.handshakeReply(Rig.LEASE, null));
		assertThat(rig.metrics.handshakesOk.sum()).isOne();
		assertThat(rig.sessions.byEndpoint(rig.endpoint)).isNotNull();
		assertThat(Rig.await(() -> rig.sessions.byEndpoint(rig.endpoint).lastSentMillis() > 0)).as("the reply shows on the session")
				.isTrue();
	}

	@Test
	void aWrongKeyLearnsNothing() throws Exception {
		handshake("guess");

		assertThat(Rig.await(() -> rig.metrics.handshakesFailed.sum() == 1)).isTrue();
		assertThat(rig.drops(DropReason.HANDSHAKE_REFUSED)).isOne();
		assertThat(rig.receive()).isNull();
		assertThat(rig.sessions.byEndpoint(rig.endpoint)).isNull();
	}

	@Test
	void refusalsOfTheKeyCheckKeepTheirReason() throws Exception {
		rig.keys.refuseWith = Reason.THROTTLED;
		handshake("secret");
		assertThat(Rig.await(() -> rig.drops(DropReason.THROTTLED) == 1)).isTrue();
		rig.keys.refuseWith = Reason.BUSY;
		handshake("secret");
		assertThat(Rig.await(() -> rig.drops(DropReason.BUSY) == 1)).isTrue();
		assertThat(rig.metrics.handshakesFailed.sum()).isEqualTo(2);
	}

	@Test
	void aRepeatedHandshakeWithinASecondIsNotAnsweredAgain() throws Exception {
		handshake("secret");
		assertThat(awaitReply()).isNotNull();
		handshake("secret");

		assertThat(Rig.await(() -> rig.drops(DropReason.HANDSHAKE_REPEATED) == 1)).isTrue();
	}

	@Test
	void aFullPoolOrSourceLimitRefusesAndIsLoggedWithoutTheKey() throws Exception {
		rig.sessions.refusal = new SessionRefusedException("address pool exhausted");
		handshake("secret");
		assertThat(Rig.await(() -> rig.drops(DropReason.POOL_EXHAUSTED) == 1)).isTrue();
		rig.sessions.refusal = new SessionRefusedException("too many sessions from 127.0.0.1", true);
		rig.control.handshake(rig.endpoint + 1, ByteBuffer.wrap("\0secret".getBytes(StandardCharsets.US_ASCII)));
		assertThat(Rig.await(() -> rig.drops(DropReason.SOURCE_LIMIT) == 1)).isTrue();

		assertThat(rig.metrics.handshakesFailed.sum()).isEqualTo(2);
		assertThat(rig.receive()).isNull();
		assertThat(rig.log.at("WARN")).hasSize(2).allSatisfy(line -> assertThat(line).doesNotContain("secret"));
	}

	@Test
	void eachHandshakeUsesTheServicesBoundWhenItRuns() throws Exception {
		rig.cell.set(rig.cell.get().withKeyCheck(null));
		handshake("secret");
		assertThat(Rig.await(() -> rig.drops(DropReason.NO_SERVICE) == 1)).isTrue();

		Fakes.FakeSessions replacement = new Fakes.FakeSessions();
		rig.cell.set(rig.cell.get().withKeyCheck(rig.keys).withSessions(replacement));
		handshake("secret");
		assertThat(awaitReply()).isNotNull();
		assertThat(replacement.byEndpoint(rig.endpoint)).as("opened in the new session manager").isNotNull();
		assertThat(rig.sessions.byEndpoint(rig.endpoint)).isNull();
	}

	@Test
	void hintsAreRationedPerEndpoint() {
		assertThat(rig.control.hint(rig.endpoint)).isTrue();
		assertThat(rig.control.hint(rig.endpoint)).isFalse();
		assertThat(rig.control.hint(rig.endpoint + 1)).as("another endpoint").isTrue();
	}
}
