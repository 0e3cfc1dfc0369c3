package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.mobilegt.gateway.session.impl.AddressPoolTest.ip;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.BoundedTable;
import org.mobilegt.gateway.common.KeptState;
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
			store = new SessionStore(new KeptState<>(data.resolve("sessions.json"), SavedState.class, framework), log.logger, index, leases, recent);
		}

		long restore() {
			return store.restore(new SessionImpl.Share(), MINUTE, MINUTE,
					cidr -> leases.repool(new AddressPool(cidr, Set.of())), cidr -> leases.repool6(new AddressPool6(cidr, Set.of())));
		}
	}

	private Side savedWithOneLiveSession() throws Exception {
		Side before = new Side("run-1");
		before.leases.repool(new AddressPool("10.77.0.0/29", Set.of()));
		int address = before.leases.assign(Leases.key("alice", PHONE), PHONE, 0, 0, MINUTE, a -> false).address;
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

	@Test
	void ipv6LeasesAndThePrefixSurviveARestart() throws Exception {
		Side before = new Side("run-1");
		before.leases.repool(new AddressPool("10.77.0.0/29", Set.of()));
		before.leases.repool6(new AddressPool6("fd00:77::/64", Set.of()));
		Leases.LeaseState alice = before.leases.assign(Leases.key("alice", PHONE), PHONE, 0, 0, MINUTE, a -> false);
		SessionImpl s = new SessionImpl(7, "alice", PHONE, alice.address, alice.hi6, alice.lo6, Instant.EPOCH, 0, new SessionImpl.Share());
		before.index.add(s);
		assertThat(before.store.write(before.store.capture(8))).isTrue();
		assertThat(Files.readString(data.resolve("sessions.json"))).contains("\"subnet6\":\"fd00:77::/64\"")
				.contains("\"address6\":\"" + alice.address6() + "\"");

		Side resumed = new Side("run-1");
		resumed.restore();
		assertThat(resumed.index.byAddress6(alice.hi6, alice.lo6)).isNotNull();

		Side restarted = new Side("run-2");
		restarted.restore();
		assertThat(restarted.leases.pool6().cidr()).isEqualTo("fd00:77::/64");
		assertThat(restarted.leases.pool6().taken(alice.lo6)).isTrue();
		Leases.LeaseState back = restarted.leases.assign(Leases.key("alice", PHONE), PHONE, 0, 0, MINUTE, a -> false);
		assertThat(back.address).isEqualTo(alice.address);
		assertThat(back.address6()).isEqualTo(alice.address6());
	}

	@Test
	void aStateFileFromBeforeIpv6IsReadAndItsClientsGetAnIpv6AddressNext() throws Exception {
		long expires = System.currentTimeMillis() + MINUTE;
		Files.writeString(data.resolve("sessions.json"), """
				{"framework":"run-0","savedAt":%d,"nextId":5,"subnet":"10.77.0.0/29",
				 "leases":[{"key":"id:alice","address":%d,"expires":%d}],
				 "recent":[],
				 "sessions":[{"id":4,"clientId":"bob","endpoint":%d,"address":%d,"since":0,"rxPackets":1,"rxBytes":2,
				   "rxLast":0,"txPackets":0,"txBytes":0,"txLast":0,"drops":0}]}
				""".formatted(System.currentTimeMillis(), ip("10.77.0.3"), expires, PHONE, ip("10.77.0.4")));
		Side after = new Side("run-1");
		assertThat(after.restore()).isEqualTo(5);
		assertThat(after.leases.pool6()).isNull();
		assertThat(after.leases.view(0, System.currentTimeMillis()).leases()).extracting(l -> l.clientId(), l -> l.address6())
				.containsExactlyInAnyOrder(tuple("alice", null), tuple("bob", null));
		after.leases.repool6(new AddressPool6("fd00:77::/64", Set.of()));
		Leases.LeaseState alice = after.leases.assign(Leases.key("alice", PHONE), PHONE, 0, 0, MINUTE, a -> false);
		assertThat(alice.address).isEqualTo(ip("10.77.0.3"));
		assertThat(alice.address6()).isNotNull();
	}

	@Test
	void aSavedIpv6AddressOutsideThePrefixOrNotAnAddressIsDropped() throws Exception {
		long expires = System.currentTimeMillis() + MINUTE;
		Files.writeString(data.resolve("sessions.json"), """
				{"framework":"run-0","savedAt":1,"nextId":5,"subnet":"10.77.0.0/29","subnet6":"fd00:77::/64",
				 "leases":[{"key":"id:alice","address":%d,"expires":%d,"address6":"fd00:99::5"},
				           {"key":"id:bob","address":%d,"expires":%d,"address6":"not-an-address"},
				           {"key":"id:carol","address":%d,"expires":%d,"address6":"fd00:77::1"}]}
				""".formatted(ip("10.77.0.3"), expires, ip("10.77.0.4"), expires, ip("10.77.0.5"), expires));
		Side after = new Side("run-1");
		after.restore();
		assertThat(after.leases.view(0, System.currentTimeMillis()).leases()).hasSize(3).allSatisfy(l -> assertThat(l.address6()).isNull());
	}
}
