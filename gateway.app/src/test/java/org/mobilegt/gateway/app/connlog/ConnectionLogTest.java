package org.mobilegt.gateway.app.connlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.testing.Annotations;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.session.api.SessionManager;
import org.osgi.service.event.Event;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class ConnectionLogTest {

	@TempDir
	Path dir;
	private ConnectionLog connlog;

	@AfterEach
	void stop() {
		if (connlog != null) {
			connlog.deactivate();
		}
	}

	private ConnectionLog start(Map<String, ?> values) {
		Map<String, Object> all = new HashMap<>(values);
		all.put("file", dir.resolve("connections.jsonl").toString());
		connlog = new ConnectionLog(Annotations.of(ConnLogConfig.class, all), all, new RecordingLogger().logger);
		return connlog;
	}

	private static Event event(String topic, long session, Map<String, Object> extra) {
		Map<String, Object> p = new HashMap<>(extra);
		p.put(SessionManager.PROP_SESSION_ID, session);
		p.put(SessionManager.PROP_CLIENT_ID, "alice");
		p.put(SessionManager.PROP_ENDPOINT, "192.0.2.7:40000");
		p.put(SessionManager.PROP_TUNNEL_ADDRESS, "10.77.0.2");
		p.put(SessionManager.PROP_START, System.currentTimeMillis() - 5_000);
		return new Event(topic, p);
	}

	private static Event close(long session) {
		return event(SessionManager.TOPIC_EXPIRED, session, Map.of(SessionManager.PROP_REASON, "EXPIRED", SessionManager.PROP_RX_BYTES, 1500L,
				SessionManager.PROP_RX_PACKETS, 3L, SessionManager.PROP_TX_BYTES, 900L, SessionManager.PROP_TX_PACKETS, 2L));
	}

	private List<JsonObject> lines() throws Exception {
		return Files.readAllLines(dir.resolve("connections.jsonl")).stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
	}

	@Test
	void aDualStackSessionsLinesCarryBothAddresses() throws Exception {
		ConnectionLog c = start(Map.of());
		c.handleEvent(event(SessionManager.TOPIC_OPENED, 1, Map.of(SessionManager.PROP_TUNNEL_ADDRESS6, "fd00:77::c0ff:ee")));
		JsonObject open = lines().get(0);
		assertThat(open.get("address").getAsString()).isEqualTo("10.77.0.2");
		assertThat(open.get("address6").getAsString()).isEqualTo("fd00:77::c0ff:ee");
	}

	@Test
	void openRoamAndCloseAreOneLineEachWithTheirData() throws Exception {
		ConnectionLog c = start(Map.of());
		c.handleEvent(event(SessionManager.TOPIC_OPENED, 1, Map.of()));
		c.handleEvent(event(SessionManager.TOPIC_ROAMED, 1, Map.of(SessionManager.PROP_PREVIOUS_ENDPOINT, "192.0.2.7:39999")));
		c.handleEvent(close(1));
		List<JsonObject> lines = lines();
		assertThat(lines).extracting(o -> o.get("event").getAsString()).containsExactly("open", "roam", "close");
		assertThat(lines.get(0).get("client").getAsString()).isEqualTo("alice");
		assertThat(lines.get(1).get("previous_endpoint").getAsString()).isEqualTo("192.0.2.7:39999");
		JsonObject close = lines.get(2);
		assertThat(close.get("reason").getAsString()).isEqualTo("EXPIRED");
		assertThat(close.get("address").getAsString()).isEqualTo("10.77.0.2");
		assertThat(close.has("address6")).as("an IPv4-only session").isFalse();
		assertThat(close.get("bytes_from_client").getAsLong()).isEqualTo(1500);
		assertThat(close.get("packets_to_client").getAsLong()).isEqualTo(2);
		assertThat(close.get("duration_s").getAsDouble()).isBetween(4.0, 60.0);
		assertThat(Files.getPosixFilePermissions(dir.resolve("connections.jsonl"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
	}

	@Test
	void aFloodOfOpensIsCountedButEveryCloseIsWritten() throws Exception {
		ConnectionLog c = start(Map.of("maxOpensPerSecond", 5));
		for (int i = 0; i < 200; i++) {
			c.handleEvent(event(SessionManager.TOPIC_OPENED, i, Map.of()));
			c.handleEvent(close(i));
		}
		List<JsonObject> lines = lines();
		assertThat(lines.stream().filter(o -> o.get("event").getAsString().equals("close"))).hasSize(200);
		assertThat(lines.stream().filter(o -> o.get("event").getAsString().equals("open")).count()).isLessThan(200);
		Thread.sleep(1100); // the next window: the next open says how many were held back
		c.handleEvent(event(SessionManager.TOPIC_OPENED, 999, Map.of()));
		List<JsonObject> after = lines();
		JsonObject suppressed = after.get(after.size() - 2);
		assertThat(suppressed.get("event").getAsString()).isEqualTo("suppressed");
		long opens = after.stream().filter(o -> o.get("event").getAsString().equals("open")).count();
		assertThat(suppressed.get("count").getAsLong() + opens).isEqualTo(201);
	}

	@Test
	void aFileThatCannotBeWrittenIsRefusedAndTheOldOneKept() throws Exception {
		ConnectionLog c = start(Map.of());
		Path blocked = dir.resolve("not-a-dir");
		Files.writeString(blocked, "");
		Map<String, Object> bad = Map.of("file", blocked.resolve("connections.jsonl").toString());
		c.modified(Annotations.of(ConnLogConfig.class, bad), bad);
		c.handleEvent(event(SessionManager.TOPIC_OPENED, 1, Map.of()));
		assertThat(lines()).hasSize(1);
	}

	@Test
	void theFileIsRotatedAndBounded() throws Exception {
		RotatingFile f = new RotatingFile(dir.resolve("connections.jsonl"), 1000, 3);
		String line = "x".repeat(99); // 100 bytes with its newline
		for (int i = 0; i < 100; i++) {
			f.append(line);
		}
		f.close();
		try (var files = Files.list(dir)) {
			assertThat(files.map(p -> p.getFileName().toString()).sorted())
					.containsExactly("connections.jsonl", "connections.jsonl.1", "connections.jsonl.2");
		}
		for (String name : List.of("connections.jsonl", "connections.jsonl.1", "connections.jsonl.2")) {
			assertThat(Files.size(dir.resolve(name))).isEqualTo(1000);
			assertThat(Files.getPosixFilePermissions(dir.resolve(name))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
		}
	}
}
