package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.testing.Annotations;
import org.mobilegt.gateway.common.testing.RecordingEvents;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.CloseReason;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.session.api.SessionRefusedException;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

class SessionRegistryTest {

	@TempDir
	Path data;
	RecordingLogger log = new RecordingLogger();
	RecordingEvents events = new RecordingEvents();
	SessionRegistry registry;
	/** The TUN device's service properties the registry is bound with. */
	Map<String, Object> tun = Map.of(TunDevice.SUBNET, "10.77.0.0/29");

	static final long PHONE_A = EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 40000);
	static final long PHONE_B = EndpointKey.key(AddressPoolTest.ip("172.31.0.3"), 40000);
	static final long PHONE_A2 = EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 40001);

	BundleContext context(String framework) {
		return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(), new Class<?>[] { BundleContext.class },
				(proxy, method, args) -> switch (method.getName()) {
				case "getProperty" -> Constants.FRAMEWORK_UUID.equals(args[0]) ? framework : null;
				case "getDataFile" -> new File(data.toFile(), (String) args[0]);
				default -> throw new UnsupportedOperationException(method.getName());
				});
	}

	SessionRegistry start(String framework, Map<String, Object> values) {
		SessionRegistry r = new SessionRegistry(context(framework), Annotations.of(SessionsConfig.class, values), new HashMap<>(values),
				log.logger);
		r.events = events.admin;
		r.poster = Runnable::run;
		r.bindTun(null, tun);
		registry = r;
		return r;
	}

	@AfterEach
	void stop() throws Exception {
		if (registry != null) {
			registry.deactivate();
		}
	}

	@Test
	void repeatedHandshakesFromOneEndpointAreTheSameSession() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session a = r.open(PHONE_A, null);
		assertThat(r.open(PHONE_A, null)).isSameAs(a);
		assertThat(IpAddress.formatIpv4(a.tunnelAddress())).isEqualTo("10.77.0.2");
		assertThat(r.byEndpoint(PHONE_A)).isSameAs(a);
		assertThat(r.byTunnelAddress(a.tunnelAddress())).isSameAs(a);
		assertThat(events.topic(SessionManager.TOPIC_OPENED)).hasSize(1);
	}

	@Test
	void clientsGetDistinctAddressesAndAnIdRoamsWithItsAddress() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session alice = r.open(PHONE_A, "alice");
		Session anon = r.open(PHONE_B, null);
		assertThat(alice.tunnelAddress()).isNotEqualTo(anon.tunnelAddress());
		Session moved = r.open(PHONE_A2, "alice");
		assertThat(moved).isSameAs(alice);
		assertThat(moved.endpoint()).isEqualTo(PHONE_A2);
		assertThat(r.byEndpoint(PHONE_A)).as("the old endpoint no longer maps to the session").isNull();
		assertThat(r.byEndpoint(PHONE_A2)).isSameAs(alice);
	}

	@Test
	void anExpiredClientGetsItsLeaseBackAndItsEndpointIsRecent() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session alice = r.open(PHONE_A, "alice");
		int address = alice.tunnelAddress();
		assertThat(r.expireIdle(System.currentTimeMillis() + 59_000)).as("idle for less than the default 60 s").isZero();
		assertThat(r.expireIdle(System.currentTimeMillis() + 61_000)).isEqualTo(1);
		assertThat(alice.live()).isFalse();
		assertThat(r.byEndpoint(PHONE_A)).isNull();
		assertThat(r.recentlyClosed(PHONE_A)).isTrue();
		assertThat(r.recentlyClosed(PHONE_B)).isFalse();
		assertThat(events.topic(SessionManager.TOPIC_EXPIRED)).hasSize(1);
		r.open(PHONE_B, "bob");
		assertThat(r.open(PHONE_A2, "alice").tunnelAddress()).isEqualTo(address);
	}

	@Test
	void theSessionManagerExpiresIdleSessionsAfterItsOwnTimeout() throws Exception {
		SessionRegistry r = start("fw1", Map.of("idleTimeoutSeconds", 5));
		Session s = r.open(PHONE_A, "alice");
		assertThat(r.expireIdle(System.currentTimeMillis() + 4_000)).isZero();
		r.modified(Annotations.of(SessionsConfig.class, Map.of("idleTimeoutSeconds", 300)), Map.of("idleTimeoutSeconds", 300));
		assertThat(r.expireIdle(System.currentTimeMillis() + 200_000)).as("the new value applies live").isZero();
		assertThat(r.expireIdle(System.currentTimeMillis() + 301_000)).isEqualTo(1);
		assertThat(s.live()).isFalse();
		assertThat(events.topic(SessionManager.TOPIC_EXPIRED)).hasSize(1);
	}

	@Test
	void theTunnelsDeprecatedIdleTimeoutAppliesWhileSetAndIsWarnedAboutOnce() throws Exception {
		SessionRegistry r = start("fw1", Map.of("idleTimeoutSeconds", 30));
		r.open(PHONE_A, "alice");
		r.legacyIdleTimeout(600); // an old mobilegt.tunnel idleTimeoutSeconds=600
		r.legacyIdleTimeout(600); // the tunnel says it again every second
		assertThat(r.expireIdle(System.currentTimeMillis() + 100_000)).as("600 s apply, not mobilegt.sessions' 30 s").isZero();
		assertThat(log.at("WARN")).filteredOn(l -> l.contains("deprecated")).singleElement().asString()
				.contains("mobilegt.tunnel idleTimeoutSeconds=600").contains("set idleTimeoutSeconds in mobilegt.sessions");
		r.legacyIdleTimeout(0); // the old key removed: mobilegt.sessions decides again
		assertThat(r.expireIdle(System.currentTimeMillis() + 31_000)).isEqualTo(1);
		assertThatThrownBy(() -> r.legacyIdleTimeout(4)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> r.legacyIdleTimeout(86_401)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void spreadOverTheTunnelsUplinksAFreshLeaseGoesWhereClientsLeft() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		r.spreadLeases(2); // the tunnel steers by address mod 2
		r.spreadLeases(2); // and says it again every second
		List<Session> four = new ArrayList<>();
		for (int port = 40000; port < 40004; port++) {
			four.add(r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.9"), port), null)); // .2 .3 .4 .5
		}
		r.close(four.get(1), CloseReason.KICKED);
		r.close(four.get(3), CloseReason.KICKED); // the odd class is empty now
		Session next = r.open(PHONE_A, null);
		assertThat(IpAddress.formatIpv4(next.tunnelAddress())).as("not .6, the next in turn: the odd class's").isEqualTo("10.77.0.3");
		assertThatThrownBy(() -> r.spreadLeases(0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> r.spreadLeases(SessionManager.MAX_WAYS + 1)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void thePoolRunsOutWithAClearRefusalWhenAddressesAreReserved() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		for (int i = 0; i < 5; i++) {
			Session s = r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 1000 + i), "c" + i);
			r.close(s, CloseReason.KICKED); // its address stays reserved for c<i>
		}
		assertThatThrownBy(() -> r.open(PHONE_B, "late")).isInstanceOf(SessionRefusedException.class)
				.hasMessageContaining("address pool exhausted").hasMessageContaining("10.77.0.0/29");
		assertThat(r.open(PHONE_A, "c3").tunnelAddress()).as("a reserved client still gets its address")
				.isEqualTo(AddressPoolTest.ip("10.77.0.5"));
	}

	@Test
	void allAddressesLiveIsTheClientLimit() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		for (int i = 0; i < 5; i++) {
			r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 1000 + i), "c" + i);
		}
		assertThatThrownBy(() -> r.open(PHONE_B, "late")).isInstanceOf(SessionRefusedException.class)
				.hasMessage("client limit reached: 5 connected (every address of 10.77.0.0/29 is in use)");
	}

	@Test
	void maxClientsIsEnforced() throws Exception {
		SessionRegistry r = start("fw1", Map.of("maxClients", 1));
		r.open(PHONE_A, null);
		assertThatThrownBy(() -> r.open(PHONE_B, null)).isInstanceOf(SessionRefusedException.class)
				.hasMessage("client limit reached: 1 connected (maxClients=1)");
	}

	@Test
	void oneSourceAddressGetsItsShareOfSessionsAndNewLeasesOthersStillGetAddresses() throws Exception {
		SessionRegistry r = start("fw1", Map.of("maxSessionsPerSource", 2, "maxNewLeasesPerSourcePerMinute", 3));
		r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 1), "x1");
		Session x2 = r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 2), "x2");
		assertThatThrownBy(() -> r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 3), "x3"))
				.isInstanceOf(SessionRefusedException.class).hasMessageContaining("maxSessionsPerSource=2")
				.matches(e -> ((SessionRefusedException) e).perSource());
		r.close(x2, CloseReason.KICKED);
		r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 3), "x3"); // the third new lease this minute
		r.close(r.find("x3").orElseThrow(), CloseReason.KICKED);
		assertThatThrownBy(() -> r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 4), "x4"))
				.isInstanceOf(SessionRefusedException.class).hasMessageContaining("maxNewLeasesPerSourcePerMinute=3");
		assertThat(r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 5), "x2").tunnelAddress())
				.as("a client id's own address back is no new lease").isEqualTo(x2.tunnelAddress());
		assertThat(r.open(PHONE_B, "other").live()).as("another source still gets an address").isTrue();
	}

	@Test
	void anAnonymousClientsAddressReturnsToThePoolWhenItsSessionEnds() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		for (int round = 0; round < 20; round++) { // a /29 has 5 addresses: without release the pool would run out
			Session s = r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), 2000 + round), null);
			r.close(s, CloseReason.EXPIRED);
		}
		assertThat(r.pool().reserved()).isZero();
		assertThat(r.pool().leases()).isEmpty();
	}

	@Test
	void theRecentTableIsBoundedAndForgetsItsOldest() throws Exception {
		SessionRegistry r = start("fw1", Map.of("maxSessionsPerSource", 0, "maxNewLeasesPerSourcePerMinute", 0));
		Session s = r.open(PHONE_B, "roamer");
		for (int port = 1; port <= SessionRegistry.MAX_RECENT + 10; port++) {
			r.open(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), port), "roamer"); // each move leaves a recent endpoint
		}
		assertThat(s.endpoint()).isEqualTo(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), SessionRegistry.MAX_RECENT + 10));
		assertThat(r.recentlyClosed(PHONE_B)).as("the oldest was forgotten").isFalse();
		assertThat(r.recentlyClosed(EndpointKey.key(AddressPoolTest.ip("172.31.0.2"), SessionRegistry.MAX_RECENT + 9))).isTrue();
	}

	@Test
	void aRoamPostsWhereTheSessionCameFrom() throws Exception {
		SessionRegistry r = start("fw1", Map.of("maxSessionsPerSource", 0));
		Session s = r.open(PHONE_A, "roamer");
		assertThat(r.open(PHONE_B, "roamer")).isSameAs(s);
		assertThat(events.topic(SessionManager.TOPIC_ROAMED)).singleElement().satisfies(e -> {
			assertThat(e.getProperty(SessionManager.PROP_PREVIOUS_ENDPOINT)).isEqualTo(EndpointKey.format(PHONE_A));
			assertThat(e.getProperty(SessionManager.PROP_ENDPOINT)).isEqualTo(EndpointKey.format(PHONE_B));
			assertThat(e.getProperty(SessionManager.PROP_START)).isEqualTo(s.since().toEpochMilli());
		});
	}

	@Test
	void aKickedClientsLeaseStaysReserved() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session alice = r.open(PHONE_A, "alice");
		r.close(alice, CloseReason.KICKED);
		assertThat(r.pool().reserved()).isEqualTo(1);
		assertThat(r.pool().used()).isZero();
		assertThat(events.topic(SessionManager.TOPIC_CLOSED)).singleElement()
				.satisfies(e -> assertThat(e.getProperty(SessionManager.PROP_REASON)).isEqualTo("KICKED"));
	}

	@Test
	void aBundleUpdateResumesLiveSessionsWithTheirCounters() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session alice = r.open(PHONE_A, "alice");
		alice.received(100, true, System.currentTimeMillis());
		alice.sent(200, true, System.currentTimeMillis());
		r.deactivate();
		SessionRegistry again = start("fw1", Map.of());
		Session resumed = again.byEndpoint(PHONE_A);
		assertThat(resumed).isNotNull();
		assertThat(resumed.id()).isEqualTo(alice.id());
		assertThat(resumed.tunnelAddress()).isEqualTo(alice.tunnelAddress());
		assertThat(resumed.rxBytes()).isEqualTo(100);
		assertThat(resumed.txPackets()).isEqualTo(1);
		assertThat(again.open(PHONE_B, null).id()).as("ids go on").isGreaterThan(alice.id());
	}

	@Test
	void aRestartKeepsLeasesAndHintsFormerClients() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session alice = r.open(PHONE_A, "alice");
		Session anon = r.open(PHONE_B, null);
		r.deactivate();
		SessionRegistry restarted = start("fw2", Map.of());
		assertThat(restarted.byEndpoint(PHONE_A)).isNull();
		assertThat(restarted.recentlyClosed(PHONE_A)).isTrue();
		assertThat(restarted.recentlyClosed(PHONE_B)).isTrue();
		assertThat(restarted.open(PHONE_A2, "alice").tunnelAddress()).isEqualTo(alice.tunnelAddress());
		assertThat(restarted.open(PHONE_B, null).tunnelAddress()).isEqualTo(anon.tunnelAddress());
	}

	@Test
	void anInvalidExclusionIsRejectedAndTheOldSettingsStay() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		r.modified(Annotations.of(SessionsConfig.class, Map.of("exclude", new String[] { "not-an-address" })), Map.of());
		assertThat(log.at("ERROR")).anyMatch(l -> l.contains("exclude=not-an-address"));
	}

	@Test
	void aClientsShareIsATokenBucketWithOneSecondOfBurst() throws Exception {
		SessionRegistry r = start("fw1", Map.of("maxPacketsPerSecond", 10));
		Session a = r.open(PHONE_A, null);
		int admitted = 0;
		for (int i = 0; i < 100; i++) {
			admitted += a.admit() ? 1 : 0;
		}
		assertThat(admitted).as("a burst of one second, then (almost) nothing").isBetween(10, 11);
		r.modified(Annotations.of(SessionsConfig.class, Map.of("maxPacketsPerSecond", 0)), Map.of());
		assertThat(a.admit()).as("no limit any more").isTrue();
	}

	@Test
	void findsByClientIdAddressOrSessionId() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session alice = r.open(PHONE_A, "alice");
		assertThat(r.find("alice")).containsSame(alice);
		assertThat(r.find(IpAddress.formatIpv4(alice.tunnelAddress()))).containsSame(alice);
		assertThat(r.find(Long.toString(alice.id()))).containsSame(alice);
		assertThat(r.find("nobody")).isEmpty();
	}

	// ---- IPv6

	private SessionRegistry startDualStack(String framework) {
		tun = Map.of(TunDevice.SUBNET, "10.77.0.0/29", TunDevice.SUBNET6, "fd00:77::/64");
		return start(framework, Map.of());
	}

	@Test
	void withAnIpv6PrefixEverySessionGetsAnIpv6AddressFoundByIt() throws Exception {
		SessionRegistry r = startDualStack("fw1");
		Session alice = r.open(PHONE_A, "alice");
		Session anon = r.open(PHONE_B, null);
		IpAddress a6 = alice.tunnelAddress6();
		assertThat(a6).isNotNull();
		assertThat(anon.tunnelAddress6()).isNotNull().isNotEqualTo(a6);
		assertThat(a6.toString()).startsWith("fd00:77::");
		assertThat(r.byTunnelAddress6(a6.high(), a6.low())).isSameAs(alice);
		assertThat(r.byTunnelAddress6(a6.high(), a6.low() ^ 1)).isNull();
		assertThat(r.find(a6.toString())).containsSame(alice);
		assertThat(events.topic(SessionManager.TOPIC_OPENED)).first()
				.satisfies(e -> assertThat(e.getProperty(SessionManager.PROP_TUNNEL_ADDRESS6)).isEqualTo(a6.toString()));
		assertThat(r.pool().subnet6()).isEqualTo("fd00:77::/64");
		assertThat(r.pool().used6()).isEqualTo(2);
		r.close(alice, CloseReason.KICKED);
		assertThat(r.byTunnelAddress6(a6.high(), a6.low())).isNull();
		assertThat(events.topic(SessionManager.TOPIC_CLOSED)).singleElement()
				.satisfies(e -> assertThat(e.getProperty(SessionManager.PROP_TUNNEL_ADDRESS6)).isEqualTo(a6.toString()));
	}

	static long v6(String endpoint) {
		return EndpointKey.key(org.mobilegt.gateway.net.api.IpEndpoint.parse(endpoint));
	}

	@Test
	void aClientRoamsFromIpv4ToIpv6AndBackKeepingItsIdAndBothAddresses() throws Exception {
		SessionRegistry r = startDualStack("fw1");
		Session s = r.open(PHONE_A, "roamer");
		IpAddress a6 = s.tunnelAddress6();
		long lte = v6("[2001:db8:5:6::9]:41000");
		assertThat(r.open(lte, "roamer")).isSameAs(s);
		assertThat(s.endpoint()).isEqualTo(lte);
		assertThat(s.tunnelAddress()).isEqualTo(AddressPoolTest.ip("10.77.0.2"));
		assertThat(s.tunnelAddress6()).isEqualTo(a6);
		assertThat(r.byEndpoint(lte)).isSameAs(s);
		assertThat(r.byEndpoint(PHONE_A)).isNull();
		assertThat(r.recentlyClosed(PHONE_A)).as("the old endpoint gets the re-handshake hint").isTrue();
		assertThat(events.topic(SessionManager.TOPIC_ROAMED)).singleElement()
				.satisfies(e -> assertThat(e.getProperty(SessionManager.PROP_ENDPOINT)).isEqualTo("[2001:db8:5:6::9]:41000"));
		assertThat(String.join("\n", log.lines())).contains("moved from 172.31.0.2:40000 to [2001:db8:5:6::9]:41000");
		assertThat(r.open(PHONE_B, "roamer")).isSameAs(s);
		assertThat(r.recentlyClosed(lte)).isTrue();
	}

	@Test
	void anIpv6SessionKeepsItsEndpointKeyThroughAFloodOfNewIpv6Sources() throws Exception {
		SessionRegistry r = startDualStack("fw1");
		long phone = v6("[2001:db8:5:6::9]:41000");
		Session s = r.open(phone, "phone");
		for (int i = 0; i < EndpointKey.IPV6_ADDRESSES + 10; i++) {
			EndpointKey.key6(0x2001_0db8_0bad_0000L, i, 1);
		}
		assertThat(EndpointKey.ipv6Addresses()).isLessThanOrEqualTo(EndpointKey.IPV6_ADDRESSES);
		assertThat(v6("[2001:db8:5:6::9]:41000")).isEqualTo(phone);
		assertThat(r.byEndpoint(phone)).isSameAs(s);
		assertThat(EndpointKey.format(s.endpoint())).isEqualTo("[2001:db8:5:6::9]:41000");
	}

	@Test
	void anIpv6SessionResumesAfterABundleUpdateAndItsKeyIsFreedWhenItCloses() throws Exception {
		SessionRegistry r = startDualStack("fw1");
		long phone = v6("[2001:db8:5:7::9]:41000");
		Session s = r.open(phone, "phone");
		r.deactivate();
		SessionRegistry updated = startDualStack("fw1");
		Session resumed = updated.byEndpoint(phone);
		assertThat(resumed).isNotNull();
		assertThat(resumed.tunnelAddress()).isEqualTo(s.tunnelAddress());
		flood();
		assertThat(updated.byEndpoint(v6("[2001:db8:5:7::9]:41000"))).as("still retained by the resumed session").isSameAs(resumed);
		updated.close(resumed, CloseReason.KICKED);
		flood();
		assertThat(EndpointKey.toEndpoint(phone)).as("no hold left behind by either instance").isNull();
	}

	private static void flood() {
		for (int i = 0; i < EndpointKey.IPV6_ADDRESSES + 10; i++) {
			EndpointKey.key6(0x2001_0db8_0bad_0001L, i, 1);
		}
	}

	@Test
	void ipv6SourcesAreLimitedByTheirSlash64() throws Exception {
		SessionRegistry r = start("fw1", Map.of("maxSessionsPerSource", 2, "maxNewLeasesPerSourcePerMinute", 0));
		r.open(v6("[2001:db8:7:8::1]:1"), "x1");
		r.open(v6("[2001:db8:7:8::2]:1"), "x2");
		assertThatThrownBy(() -> r.open(v6("[2001:db8:7:8:ffff::3]:1"), "x3"))
				.isInstanceOf(SessionRefusedException.class).hasMessageContaining("2 sessions from 2001:db8:7:8::/64")
				.matches(e -> ((SessionRefusedException) e).perSource());
		assertThat(r.open(v6("[2001:db8:7:9::1]:1"), "x3").live()).as("another /64 is another source").isTrue();
	}

	@Test
	void withoutAnIpv6PrefixSessionsAreIpv4Only() throws Exception {
		SessionRegistry r = start("fw1", Map.of());
		Session alice = r.open(PHONE_A, "alice");
		assertThat(alice.tunnelAddress6()).isNull();
		assertThat(alice.tunnelAddress6Hi()).isZero();
		assertThat(alice.tunnelAddress6Lo()).isZero();
		assertThat(r.pool().subnet6()).isNull();
		assertThat(events.topic(SessionManager.TOPIC_OPENED)).singleElement()
				.satisfies(e -> assertThat(e.containsProperty(SessionManager.PROP_TUNNEL_ADDRESS6)).isFalse());
	}

	@Test
	void bothAddressesSurviveARestartAndABundleUpdate() throws Exception {
		SessionRegistry r = startDualStack("fw1");
		Session alice = r.open(PHONE_A, "alice");
		r.deactivate();
		SessionRegistry updated = startDualStack("fw1");
		Session resumed = updated.byEndpoint(PHONE_A);
		assertThat(resumed.tunnelAddress6()).isEqualTo(alice.tunnelAddress6());
		assertThat(updated.byTunnelAddress6(alice.tunnelAddress6Hi(), alice.tunnelAddress6Lo())).isSameAs(resumed);
		updated.deactivate();
		SessionRegistry restarted = startDualStack("fw2");
		Session back = restarted.open(PHONE_A2, "alice");
		assertThat(back.tunnelAddress()).isEqualTo(alice.tunnelAddress());
		assertThat(back.tunnelAddress6()).isEqualTo(alice.tunnelAddress6());
	}

	@Test
	void turningIpv6OffEndsSessionsThatHadItAndAnExcludedIpv6AddressIsNeverLeased() throws Exception {
		SessionRegistry r = startDualStack("fw1");
		Session alice = r.open(PHONE_A, "alice");
		r.updatedTun(null, Map.of(TunDevice.SUBNET, "10.77.0.0/29", TunDevice.SUBNET6, ""));
		assertThat(alice.live()).isFalse();
		Session again = r.open(PHONE_A, "alice");
		assertThat(again.tunnelAddress()).isEqualTo(alice.tunnelAddress());
		assertThat(again.tunnelAddress6()).isNull();
		r.updatedTun(null, Map.of(TunDevice.SUBNET, "10.77.0.0/29", TunDevice.SUBNET6, "fd00:77::/126"));
		r.modified(Annotations.of(SessionsConfig.class, Map.of("exclude", new String[] { "fd00:77::2" })), Map.of());
		Session bob = r.open(PHONE_B, "bob");
		assertThat(bob.tunnelAddress6()).isEqualTo(IpAddress.parse("fd00:77::3"));
	}
}
