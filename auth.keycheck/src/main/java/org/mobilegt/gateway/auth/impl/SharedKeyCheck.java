package org.mobilegt.gateway.auth.impl;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.mobilegt.gateway.auth.api.IllegalAttempt;
import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Reason;
import org.mobilegt.gateway.auth.api.Verdict;
import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.common.RateGate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * {@link KeyCheck} against one shared key. The key is compared as a SHA-256 digest with
 * {@link MessageDigest#isEqual}, so the time taken does not depend on how much of a guess is right
 * nor on the key's length. The key never appears in logs, events or attempt details.
 */
@Component(configurationPid = AuthConfig.PID)
@Designate(ocd = AuthConfig.class)
public final class SharedKeyCheck implements KeyCheck {

	static final int MAX_ID_BYTES = 64;
	/** Illegal attempts logged in full: at most this many per 10 s, then a count. */
	private static final int LOG_PERMITS = 10;
	/** REJECTED events posted: at most this many per second. */
	private static final int EVENT_PERMITS = 50;
	/** "Throttling" lines: at most this many per minute, then a count. */
	private static final int THROTTLE_LOG_PERMITS = 10;

	private record Settings(int keyLength, byte[] keyDigest, Set<String> allowed) {
	}

	private final Logger log;
	private final Throttle throttle;
	private final AttemptLog attempts;
	private final Map<Integer, Long> bannedAddresses = new ConcurrentHashMap<>();
	private final Map<String, Long> bannedIds = new ConcurrentHashMap<>();
	private final RateGate logGate = new RateGate(LOG_PERMITS, 10_000);
	private final RateGate eventGate = new RateGate(EVENT_PERMITS, 1_000);
	private final RateGate throttleGate = new RateGate(THROTTLE_LOG_PERMITS, 60_000);
	private volatile Settings settings;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;

	@Activate
	public SharedKeyCheck(AuthConfig config, @Reference(service = LoggerFactory.class) Logger log) {
		this.log = log;
		this.throttle = new Throttle(config.maxFailuresPerMinute());
		this.attempts = new AttemptLog(config.logSize());
		modified(config);
	}

	@Modified
	void modified(AuthConfig config) {
		byte[] key = config.key().getBytes(StandardCharsets.UTF_8);
		Set<String> allowed = Set.copyOf(Arrays.stream(config.clientIds()).map(String::strip).filter(s -> !s.isEmpty()).toList());
		settings = new Settings(key.length, key.length == 0 ? null : sha256(key), allowed);
		throttle.limit(config.maxFailuresPerMinute());
		attempts.capacity(config.logSize());
		if (key.length == 0) {
			log.warn("No shared key configured ({} key): every handshake is refused", AuthConfig.PID);
		}
		ConfigRejection.applied(events, AuthConfig.PID);
	}

	@Override
	public Verdict check(InetAddress address, int port, ByteBuffer payload) {
		long now = System.currentTimeMillis();
		int source = source(address);
		if (bannedUntil(bannedAddresses, source, now) || throttle.refuse(source, now)) {
			attempts.count(Reason.THROTTLED);
			return new Verdict(Reason.THROTTLED, null);
		}
		Settings s = settings;
		if (s.keyDigest() == null) {
			return refuse(address, port, Reason.BAD_KEY, "no shared key is configured", null, now);
		}
		if (payload.remaining() > s.keyLength() + 1 + MAX_ID_BYTES) {
			// refused before any copy or hash: no key and id are this long
			return refuse(address, port, Reason.UNKNOWN_ID, "handshake of " + payload.remaining()
					+ " bytes is too long for the key and a client id of at most " + MAX_ID_BYTES + " bytes", null, now);
		}
		byte[] bytes = new byte[payload.remaining()];
		payload.get(payload.position(), bytes);
		boolean withId = bytes.length > s.keyLength() && bytes[s.keyLength()] == ':';
		byte[] secret = withId ? Arrays.copyOf(bytes, s.keyLength()) : bytes;
		if (!MessageDigest.isEqual(sha256(secret), s.keyDigest())) {
			return refuse(address, port, Reason.BAD_KEY, "wrong key", null, now);
		}
		String id = null;
		if (withId) {
			id = clientId(bytes, s.keyLength() + 1);
			if (id == null) {
				return refuse(address, port, Reason.UNKNOWN_ID,
						"client id is not printable ASCII of 1-" + MAX_ID_BYTES + " bytes", null, now);
			}
		}
		if (!s.allowed().isEmpty() && (id == null || !s.allowed().contains(id))) {
			return refuse(address, port, Reason.UNKNOWN_ID,
					id == null ? "anonymous client while an allow-list is configured" : "client id not allowed", id, now);
		}
		if (id != null && bannedUntil(bannedIds, id, now)) {
			return refuse(address, port, Reason.THROTTLED, "client id is banned", id, now);
		}
		return new Verdict(null, id);
	}

	/** The id after the separator if it is 1-64 printable ASCII bytes, else null. */
	static String clientId(byte[] bytes, int from) {
		int length = bytes.length - from;
		if (length < 1 || length > MAX_ID_BYTES) {
			return null;
		}
		for (int i = from; i < bytes.length; i++) {
			if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
				return null;
			}
		}
		return new String(bytes, from, length, StandardCharsets.US_ASCII);
	}

	/** Records a refused handshake; only a wrong key counts towards throttling its source. */
	private Verdict refuse(InetAddress address, int port, Reason reason, String why, String id, long now) {
		record(address, port, reason, id == null ? why : why + ": " + id, now);
		if (reason == Reason.BAD_KEY && throttle.fail(source(address), now)) {
			attempts.add(new IllegalAttempt(address, port, Instant.ofEpochMilli(now), Reason.THROTTLED,
					"throttled for the rest of the minute after " + throttle.limit() + " wrong keys"));
			long held = throttleGate.admit(now);
			if (held >= 0) {
				log.warn("Throttling {}: too many failures ({} wrong keys within a minute); one key check a second until the minute ends{}",
						address.getHostAddress(), throttle.limit(), held > 0 ? " (" + held + " more not logged)" : "");
			}
		}
		return new Verdict(reason, id);
	}

	@Override
	public boolean blocked(InetAddress address) {
		long now = System.currentTimeMillis();
		int source = source(address);
		return throttle.blocked(source, now) || bannedUntil(bannedAddresses, source, now);
	}

	private static <K> boolean bannedUntil(Map<K, Long> bans, K key, long now) {
		Long until = bans.get(key);
		if (until == null) {
			return false;
		}
		if (now < until) {
			return true;
		}
		bans.remove(key, until);
		return false;
	}

	@Override
	public void record(InetAddress address, int port, Reason reason, String detail) {
		record(address, port, reason, detail, System.currentTimeMillis());
	}

	private void record(InetAddress address, int port, Reason reason, String detail, long now) {
		attempts.count(reason);
		IllegalAttempt attempt = new IllegalAttempt(address, port, Instant.ofEpochMilli(now), reason, detail);
		attempts.add(attempt);
		long held = logGate.admit(now);
		if (held >= 0) {
			log.warn("Illegal attempt from {}:{}: {} ({}){}", address.getHostAddress(), port, reason, detail,
					held > 0 ? " (" + held + " more not logged)" : "");
		}
		EventAdmin ea = events;
		if (ea != null && eventGate.admit(now) >= 0) {
			Map<String, Object> props = new HashMap<>();
			props.put("address", address.getHostAddress());
			props.put("port", port);
			props.put("reason", reason.name());
			props.put("detail", detail);
			ea.postEvent(new Event(TOPIC_REJECTED, props));
		}
	}

	@Override
	public void ban(InetAddress address, String clientId, Duration duration) {
		long until = System.currentTimeMillis() + duration.toMillis();
		if (address != null) {
			bannedAddresses.put(source(address), until);
		}
		if (clientId != null) {
			bannedIds.put(clientId, until);
		}
		log.info("Banned {}{} for {} min", address == null ? "" : address.getHostAddress() + " ",
				clientId == null ? "" : "client " + clientId, duration.toMinutes());
	}

	@Override
	public List<IllegalAttempt> illegalAttempts(int max) {
		return attempts.newest(max);
	}

	@Override
	public Map<Reason, Long> rejections() {
		return attempts.counts();
	}

	@Override
	public boolean keyConfigured() {
		return settings.keyDigest() != null;
	}

	/** The source key: an IPv4 address's hash code is the address itself (the socket is IPv4). */
	private static int source(InetAddress address) {
		return address.hashCode();
	}

	private static byte[] sha256(byte[] data) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(data);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is required of every JVM", e);
		}
	}
}
