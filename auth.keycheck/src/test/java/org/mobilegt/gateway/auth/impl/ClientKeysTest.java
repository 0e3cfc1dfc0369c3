package org.mobilegt.gateway.auth.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.auth.api.ClientKeys;
import org.mobilegt.gateway.common.testing.RecordingEvents;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.security.api.Reason;

class ClientKeysTest {

	static final String SHARED = "shared-key";

	@TempDir
	Path dir;
	RecordingLogger log = new RecordingLogger();
	RecordingEvents events = new RecordingEvents();
	InetAddress phone = InetAddress.getLoopbackAddress();

	SharedKeyCheck check(Map<String, Object> values) {
		return SharedKeyCheckTest.check(Map.of("key", SHARED, "maxFailuresPerMinute", 100000), values, log, events, dir);
	}

	static ByteBuffer payload(String text) {
		return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
	}

	@Test
	void anIdWithItsOwnKeyIsAdmittedOnlyWithThatKeyNeverWithTheSharedOneOrAnother() {
		SharedKeyCheck c = check(Map.of());
		String alice = c.add("alice");
		String bob = c.add("bob");
		assertThat(alice).hasSize(ClientKeyStore.KEY_LENGTH).doesNotContain(":").isNotEqualTo(bob);
		assertThat(c.check(phone, 1, payload(alice + ":alice")).clientId()).isEqualTo("alice");
		assertThat(c.check(phone, 1, payload(SHARED + ":alice")).reason()).isEqualTo(Reason.BAD_KEY);
		assertThat(c.check(phone, 1, payload(bob + ":alice")).reason()).isEqualTo(Reason.BAD_KEY);
		assertThat(c.check(phone, 1, payload(alice)).reason()).isEqualTo(Reason.BAD_KEY);
		// legacy clients keep the shared key: anonymous ones and ids without a key of their own
		assertThat(c.check(phone, 1, payload(SHARED)).accepted()).isTrue();
		assertThat(c.check(phone, 1, payload(SHARED + ":carol")).clientId()).isEqualTo("carol");
		assertThat(String.join("\n", log.lines())).doesNotContain(alice).doesNotContain(bob);
	}

	@Test
	void theSharedKeyCanBeSwitchedOffWhileOwnKeysWork() {
		SharedKeyCheck c = check(Map.of("key", ""));
		assertThat(c.keyConfigured()).isFalse();
		String alice = c.add("alice");
		assertThat(c.keyConfigured()).isTrue();
		assertThat(c.check(phone, 1, payload(alice + ":alice")).accepted()).isTrue();
		assertThat(c.check(phone, 1, payload("")).reason()).isEqualTo(Reason.BAD_KEY);
		assertThat(c.check(phone, 1, payload(alice + ":bob")).reason()).isEqualTo(Reason.BAD_KEY);
	}

	@Test
	void aWrongOwnKeyIsABadKeyAndThrottles() {
		SharedKeyCheck c = check(Map.of("maxFailuresPerMinute", 3));
		String alice = c.add("alice");
		String wrong = alice.charAt(0) == 'A' ? "B" + alice.substring(1) : "A" + alice.substring(1);
		for (int i = 0; i < 3; i++) {
			assertThat(c.check(phone, 1, payload(wrong + ":alice")).reason()).isEqualTo(Reason.BAD_KEY);
		}
		assertThat(c.blocked(phone)).isTrue();
	}

	@Test
	void rotateAndRemoveStopTheOldKeyAtOnceAndAnnounceIt() {
		SharedKeyCheck c = check(Map.of());
		String old = c.add("alice");
		String fresh = c.rotate("alice");
		assertThat(c.check(phone, 1, payload(old + ":alice")).reason()).isEqualTo(Reason.BAD_KEY);
		assertThat(c.check(phone, 1, payload(fresh + ":alice")).accepted()).isTrue();
		assertThat(c.remove("alice")).isTrue();
		assertThat(c.remove("alice")).isFalse();
		assertThat(c.check(phone, 1, payload(fresh + ":alice")).accepted()).isFalse();
		assertThat(events.topic(ClientKeys.TOPIC_REVOKED)).extracting(e -> e.getProperty("action")).containsExactly("rotated", "removed");
		assertThat(log.at("INFO")).anyMatch(l -> l.contains("Key of client alice removed"));
	}

	@Test
	void keysSurviveARestartAsSaltedHashesInAnOwnerOnlyFile() throws Exception {
		SharedKeyCheck c = check(Map.of());
		String alice = c.add("alice smith");
		c.add("bob");
		Path file = dir.resolve("clients");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		assertThat(Files.readString(file)).doesNotContain(alice).contains("alice smith");
		SharedKeyCheck restarted = check(Map.of());
		assertThat(restarted.list()).extracting(ClientKeys.Entry::clientId).containsExactly("alice smith", "bob");
		assertThat(restarted.check(phone, 1, payload(alice + ":alice smith")).clientId()).isEqualTo("alice smith");
	}

	@Test
	void aBrokenLineIsSkippedAndReportedTheOthersWork() throws Exception {
		SharedKeyCheck c = check(Map.of());
		String bob = c.add("bob");
		Path file = dir.resolve("clients");
		Files.writeString(file, Files.readString(file) + "garbage line\n");
		SharedKeyCheck restarted = check(Map.of());
		assertThat(restarted.check(phone, 1, payload(bob + ":bob")).accepted()).isTrue();
		assertThat(log.at("WARN")).anyMatch(l -> l.contains("skipped"));
	}

	@Test
	void badIdsAndDuplicatesAreRefusedAndChangeNothing() {
		SharedKeyCheck c = check(Map.of());
		c.add("alice");
		assertThatThrownBy(() -> c.add("alice")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> c.add("x".repeat(65))).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> c.add("bad\nid")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> c.add("\u4e2d")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> c.rotate("nobody")).isInstanceOf(IllegalArgumentException.class);
		assertThat(c.list()).extracting(ClientKeys.Entry::clientId).containsExactly("alice");
	}

	@Test
	void ownKeyHandshakesStayFastEnough() {
		// not a timed assertion: a sanity print of the per-check cost for BENCHMARKS.md
		SharedKeyCheck c = check(Map.of());
		String alice = c.add("alice");
		ByteBuffer p = payload(alice + ":alice");
		int n = 50_000;
		long t0 = System.nanoTime();
		for (int i = 0; i < n; i++) {
			c.check(phone, 1, p);
		}
		long ns = (System.nanoTime() - t0) / n;
		System.out.println("own-key check: " + ns + " ns (" + (1_000_000_000L / Math.max(ns, 1)) + " checks/s on one thread)");
		assertThat(c.check(phone, 1, p).accepted()).isTrue();
	}
}
