package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.session.impl.AddressPoolTest.ip;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.BoundedTable;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.net.api.EndpointKey;

class SessionStoreTest {

	private static final long MINUTE = 60_000;
	private static final long PHONE = EndpointKey.key(ip("172.31.0.2"), 40000);

	@TempDir
	Path data;
	final RecordingLogger log = new RecordingLogger();

	/** One registry's state: what a store saves from and restores into. */
	final class Side {
		final SessionIndex index = new SessionIndex();
		final Leases leases = new Leases();
		final BoundedTable<Long, Long> recent = new BoundedTable<>(16);
		final SessionStore store;

		Side(String framework) {
			store = new SessionStore(new StateFile(data.resolve("sessions.json")), framework, log.logger, index, leases, recent);
		}

		long restore() {
			return store.restore(new SessionImpl.Share(), MINUTE, MINUTE,
					cidr -> leases.repool(new AddressPool(cidr, Set.of())));
		}
	}

	private Side savedWithOneLiveSession() throws Exception {
		Side before = new Side("run-1");
		before.leases.repool(new AddressPool("10.77.0.0/29", Set.of()));
		int address = before.leases.assign(Leases.key("alice", PHONE), PHONE, 0, 0, MINUTE, a -> false);
		SessionImpl s = new SessionImpl(7, "alice", PHONE, address, Instant.EPOCH, 0, new SessionImpl.Share());
		s.received(100, true, 0);
		before.index.add(s);
		assertThat(before.store.write(before.store.capture(8))).isTrue();
		return before;
	}

	@Test
	void theSameFrameworkRunResumesLiveSessionsWithTheirCounters() throws Exception {
		savedWithOneLiveSession();
		Side after = new Side("run-1");
		assertThat(after.restore()).isEqualTo(8);
		SessionImpl s = after.index.byEndpoint(PHONE);
		assertThat(s).isNotNull();
		assertThat(s.id()).isEqualTo(7);
		assertThat(s.rxBytes()).isEqualTo(100);
		assertThat(after.leases.pool().taken(s.tunnelAddress())).isTrue();
	}

	@Test
	void aRestartTurnsLiveSessionsIntoHintsAndReservedLeases() throws Exception {
		int address = savedWithOneLiveSession().index.byEndpoint(PHONE).tunnelAddress();
		Side after = new Side("run-2");
		after.restore();
		assertThat(after.index.snapshot()).isEmpty();
		assertThat(after.recent.get(PHONE)).isNotNull();
		assertThat(after.leases.view(0, System.currentTimeMillis()).leases()).singleElement().satisfies(l -> {
			assertThat(l.clientId()).isEqualTo("alice");
			assertThat(l.address()).isEqualTo(address);
			assertThat(l.live()).isFalse();
		});
	}

	@Test
	void anUnreadableFileIsMovedAsideAndNothingIsRestored() throws Exception {
		Files.writeString(data.resolve("sessions.json"), "{ not json");
		Side after = new Side("run-1");
		assertThat(after.restore()).isZero();
		assertThat(data.resolve("sessions.json.bad")).exists();
		assertThat(data.resolve("sessions.json")).doesNotExist();
		assertThat(log.at("ERROR")).anySatisfy(l -> assertThat(l).contains("Starting without saved sessions"));
	}

	@Test
	void noFileRestoresNothing() {
		assertThat(new Side("run-1").restore()).isZero();
	}
}
