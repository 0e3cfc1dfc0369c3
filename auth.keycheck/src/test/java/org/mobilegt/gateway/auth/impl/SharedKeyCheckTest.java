package org.mobilegt.gateway.auth.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Verdict;
import org.mobilegt.gateway.common.testing.Annotations;
import org.mobilegt.gateway.common.testing.RecordingEvents;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.security.api.SecurityLog;

class SharedKeyCheckTest {

	static final String KEY = "s3cret:with:colons";

	@TempDir
	Path dir;
	RecordingLogger log = new RecordingLogger();
	RecordingEvents events = new RecordingEvents();
	InetAddress phone;
	InetAddress other;

	@BeforeEach
	void addresses() throws Exception {
		phone = InetAddress.getByName("172.31.0.2");
		other = InetAddress.getByName("172.31.0.3");
	}

	SharedKeyCheck check(Map<String, Object> values) {
		return check(Map.of("key", KEY), values, log, events, dir);
	}

	/** The component as DS makes it, with {@code values} over {@code defaults}, its clients file in {@code dir}. */
	static SharedKeyCheck check(Map<String, Object> defaults, Map<String, Object> values, RecordingLogger log, RecordingEvents events,
			Path dir) {
		Map<String, Object> config = new HashMap<>(defaults);
		config.putAll(values);
		SharedKeyCheck c = new SharedKeyCheck(Annotations.of(AuthConfig.class, config), config, log.logger, dir.resolve("clients"));
		c.events = events.admin;
		return c;
	}

	static ByteBuffer payload(String text) {
		return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
	}

	@Test
	void aLogSizeItCannotRunWithIsRefusedAndTheRunningConfigurationStays() {
		SharedKeyCheck c = check(Map.of("logSize", 20));
		Map<String, Object> bad = new HashMap<>(Map.of("key", "another", "logSize", 0));
		c.modified(Annotations.of(AuthConfig.class, bad), bad);
		assertThat(log.at("ERROR")).anyMatch(l -> l.contains("mobilegt.auth: logSize=0 must be between 10 and 100000"));
		// the old key still works, and wrong keys are still logged without failing
		for (int i = 0; i < 30; i++) {
			assertThat(c.check(other, 1000, payload("wrong" + i)).accepted()).isFalse();
		}
		assertThat(c.check(phone, 1000, payload(KEY)).accepted()).isTrue();
		assertThat(c.check(phone, 1000, payload("another")).accepted()).isFalse();
	}

	@Test
	void aClientIdNoClientCanSendIsRefused() {
		SharedKeyCheck c = check(Map.of());
		Map<String, Object> bad = new HashMap<>(Map.of("key", KEY, "clientIds", new String[] { "ok", "x".repeat(65) }));
		c.modified(Annotations.of(AuthConfig.class, bad), bad);
		assertThat(log.at("ERROR")).anyMatch(l -> l.contains("clientIds=" + "x".repeat(65) + " is not a client id"));
		assertThat(c.check(phone, 1000, payload(KEY + ":someone")).accepted()).as("no allow-list applied").isTrue();
	}

	@Test
	void theKeyAloneIsAnAnonymousClient() {
		Verdict v = check(Map.of()).check(phone, 1000, payload(KEY));
		assertThat(v.accepted()).isTrue();
		assertThat(v.clientId()).isNull();
	}

	@Test
	void keyColonIdCarriesTheClientIdEvenWhenTheKeyHasColons() {
		Verdict v = check(Map.of()).check(phone, 1000, payload(KEY + ":phone-7"));
		assertThat(v.accepted()).isTrue();
		assertThat(v.clientId()).isEqualTo("phone-7");
	}

	@Test
	void theBufferPositionIsLeftAlone() {
		ByteBuffer p = payload(KEY);
		check(Map.of()).check(phone, 1000, p);
		assertThat(p.position()).isZero();
	}

	@Test
	void aWrongKeyIsRefusedRecordedAndNeverLogged() {
		SharedKeyCheck c = check(Map.of());
		for (String wrong : new String[] { "", "s3cret", KEY + "x", KEY.toUpperCase(), KEY + ":" }) {
			assertThat(c.check(phone, 1000, payload(wrong)).reason()).as(wrong).isIn(Reason.BAD_KEY, Reason.UNKNOWN_ID);
		}
		assertThat(c.illegalAttempts(10)).allSatisfy(a -> {
			assertThat(a.address()).isEqualTo(phone);
			assertThat(a.port()).isEqualTo(1000);
			assertThat(a.detail()).doesNotContain(KEY);
		});
		assertThat(String.join("\n", log.lines())).doesNotContain(KEY);
		assertThat(events.topic(SecurityLog.TOPIC_REJECTED)).isNotEmpty()
				.allSatisfy(e -> assertThat(e.getProperty("address")).isEqualTo("172.31.0.2"));
	}

	@Test
	void clientIdsMustBePrintableAsciiOfAtMost64Bytes() {
		SharedKeyCheck c = check(Map.of("maxFailuresPerMinute", 1000));
		assertThat(c.check(phone, 1, payload(KEY + ":" + "a".repeat(64))).accepted()).isTrue();
		assertThat(c.check(phone, 1, payload(KEY + ":" + "a".repeat(65))).reason()).isEqualTo(Reason.UNKNOWN_ID);
		assertThat(c.check(phone, 1, payload(KEY + ":bad\nid")).reason()).isEqualTo(Reason.UNKNOWN_ID);
		assertThat(c.check(phone, 1, payload(KEY + ":\u00ff")).reason()).isEqualTo(Reason.UNKNOWN_ID);
		assertThat(c.check(phone, 1, payload(KEY + ":<b>;$(id)")).clientId()).isEqualTo("<b>;$(id)");
	}

	@Test
	void anAllowListRefusesOtherIdsAndAnonymousClients() {
		SharedKeyCheck c = check(Map.of("clientIds", new String[] { "alice", " bob " }));
		assertThat(c.check(phone, 1, payload(KEY + ":alice")).accepted()).isTrue();
		assertThat(c.check(phone, 1, payload(KEY + ":bob")).accepted()).isTrue();
		assertThat(c.check(phone, 1, payload(KEY + ":mallory")).reason()).isEqualTo(Reason.UNKNOWN_ID);
		assertThat(c.check(phone, 1, payload(KEY)).reason()).isEqualTo(Reason.UNKNOWN_ID);
	}

	@Test
	void withoutAKeyEveryHandshakeIsRefused() {
		SharedKeyCheck c = check(Map.of("key", ""));
		assertThat(c.keyConfigured()).isFalse();
		assertThat(c.check(phone, 1, payload("")).reason()).isEqualTo(Reason.BAD_KEY);
		assertThat(log.at("WARN")).anyMatch(l -> l.startsWith("No shared key configured"));
	}

	@Test
	void aSourceFailingTooOftenIsThrottledEvenWithTheRightKeyWhileOthersConnect() {
		SharedKeyCheck c = check(Map.of("maxFailuresPerMinute", 3));
		for (int i = 0; i < 3; i++) {
			c.check(phone, 1000 + i, payload("wrong"));
		}
		assertThat(c.blocked(phone)).isTrue();
		assertThat(c.check(phone, 2000, payload(KEY)).reason()).isEqualTo(Reason.THROTTLED);
		assertThat(c.check(other, 2000, payload(KEY)).accepted()).isTrue();
		assertThat(c.illegalAttempts(10)).anyMatch(a -> a.reason() == Reason.THROTTLED);
		assertThat(c.counts()).containsEntry(Reason.BAD_KEY, 3L).containsKey(Reason.THROTTLED);
	}

	@Test
	void ipv6SourcesAreThrottledAndBannedByTheirSlash64() throws Exception {
		SharedKeyCheck c = check(Map.of("maxFailuresPerMinute", 3));
		for (int i = 1; i <= 3; i++) { // a guesser rotating through the addresses of its /64
			c.check(InetAddress.getByName("2001:db8:1:2::" + i), 1000, payload("wrong"));
		}
		assertThat(c.blocked(InetAddress.getByName("2001:db8:1:2:ffff::77"))).as("the whole /64").isTrue();
		assertThat(c.check(InetAddress.getByName("2001:db8:1:3::1"), 1, payload(KEY)).accepted()).as("the next /64").isTrue();
		assertThat(c.blocked(InetAddress.getByName("0:0:ac1f:2::1"))).as("no IPv4 address shares the key").isFalse();
		assertThat(c.blocked(phone)).isFalse();
		c.ban(InetAddress.getByName("2001:db8:9:9::1"), "mallory", Duration.ofMinutes(5));
		assertThat(c.blocked(InetAddress.getByName("2001:db8:9:9::2"))).isTrue();
		assertThat(c.blocked(InetAddress.getByName("2001:db8:9:a::2"))).isFalse();
	}

	@Test
	void everyAttemptIsCountedOnceUnderOneReasonAndLoggedOnce() {
		SharedKeyCheck c = check(Map.of());
		SecurityLog attempts = c; // the security log, a service of its own
		attempts.record(phone, 1000, Reason.SPOOFED, "source 10.77.0.9 is not the lease 10.77.0.2");
		c.check(other, 2000, payload("wrong"));
		attempts.record(other, 2001, Reason.UNKNOWN_ENDPOINT, "data from an endpoint without a session");
		assertThat(attempts.counts()).containsExactlyInAnyOrderEntriesOf(
				Map.of(Reason.SPOOFED, 1L, Reason.BAD_KEY, 1L, Reason.UNKNOWN_ENDPOINT, 1L));
		assertThat(attempts.illegalAttempts(10)).extracting(a -> a.reason() + " " + a.address().getHostAddress() + ":" + a.port())
				.containsExactly("UNKNOWN_ENDPOINT 172.31.0.3:2001", "BAD_KEY 172.31.0.3:2000", "SPOOFED 172.31.0.2:1000");
		assertThat(events.topic(SecurityLog.TOPIC_REJECTED)).hasSize(3);
		assertThat(log.at("WARN")).filteredOn(l -> l.startsWith("Illegal attempt from ")).hasSize(3);
	}

	@Test
	void onlyWrongKeysThrottleNotUnknownEndpointsSpoofingOrJunk() {
		SharedKeyCheck c = check(Map.of("maxFailuresPerMinute", 3));
		for (int i = 0; i < 100; i++) {
			c.record(phone, 1000 + i, Reason.UNKNOWN_ENDPOINT, "data from an endpoint without a session");
			c.record(phone, 1000 + i, Reason.SPOOFED, "source");
		}
		c.check(phone, 1, payload(KEY + ":" + "x".repeat(65))); // a bad id is not a key guess either
		assertThat(c.blocked(phone)).isFalse();
		assertThat(c.check(phone, 2000, payload(KEY + ":neighbour")).accepted()).isTrue();
		assertThat(c.counts()).containsEntry(Reason.UNKNOWN_ENDPOINT, 100L).doesNotContainKey(Reason.THROTTLED);
	}

	@Test
	void aHandshakeLongerThanKeyAndIdIsRefusedUnhashed() {
		SharedKeyCheck c = check(Map.of());
		String longest = KEY + ":" + "i".repeat(SharedKeyCheck.MAX_ID_BYTES);
		assertThat(c.check(phone, 1, payload(longest)).accepted()).isTrue();
		Verdict v = c.check(phone, 1, payload(longest + "i"));
		assertThat(v.reason()).isEqualTo(Reason.UNKNOWN_ID);
		assertThat(c.illegalAttempts(1).get(0).detail()).contains("too long");
	}

	@Test
	void throttlingIsLoggedAFewTimesAMinuteThenCounted() {
		SharedKeyCheck c = check(Map.of("maxFailuresPerMinute", 1));
		for (int i = 0; i < 200; i++) {
			c.check(InetAddress.getLoopbackAddress(), i, payload("wrong")); // one source, throttled once
		}
		for (int i = 0; i < 50; i++) {
			byte[] a = { 10, 9, 0, (byte) i };
			try {
				c.check(InetAddress.getByAddress(a), 1, payload("wrong"));
			} catch (java.net.UnknownHostException e) {
				throw new AssertionError(e);
			}
		}
		assertThat(log.at("WARN").stream().filter(l -> l.startsWith("Throttling"))).hasSizeLessThanOrEqualTo(10);
	}

	@Test
	void bansRefuseTheAddressAndTheClientId() {
		SharedKeyCheck c = check(Map.of());
		c.ban(phone, "alice", Duration.ofMinutes(5));
		assertThat(c.blocked(phone)).isTrue();
		assertThat(c.check(other, 1, payload(KEY + ":alice")).reason()).isEqualTo(Reason.THROTTLED);
		assertThat(c.check(other, 1, payload(KEY + ":bob")).accepted()).isTrue();
	}

	@Test
	void theAttemptLogIsBoundedAndNewestFirst() {
		SharedKeyCheck c = check(Map.of("logSize", 10, "maxFailuresPerMinute", 100000));
		for (int i = 0; i < 25; i++) {
			c.record(phone, i, Reason.UNKNOWN_ENDPOINT, "n" + i);
		}
		assertThat(c.illegalAttempts(100)).hasSize(10);
		assertThat(c.illegalAttempts(2)).extracting(a -> a.detail()).containsExactly("n24", "n23");
		assertThat(c.counts()).containsEntry(Reason.UNKNOWN_ENDPOINT, 25L);
	}

	@Test
	void aFloodIsLoggedInPartOnlyAndSaysHowMuchWasLeftOut() {
		SharedKeyCheck c = check(Map.of("maxFailuresPerMinute", 100000));
		for (int i = 0; i < 1000; i++) {
			c.record(phone, i, Reason.MALFORMED, "junk");
		}
		assertThat(log.at("WARN").stream().filter(l -> l.startsWith("Illegal attempt"))).hasSizeLessThanOrEqualTo(10);
		assertThat(events.topic(SecurityLog.TOPIC_REJECTED)).hasSizeLessThanOrEqualTo(50);
	}
}
