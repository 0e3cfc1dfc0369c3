package org.mobilegt.gateway.auth.impl;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.mobilegt.gateway.auth.api.ClientKeys;
import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Verdict;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.security.api.IllegalAttempt;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.framework.BundleContext;
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
 * {@link KeyCheck} against one shared key and the per-client keys of {@link ClientKeyStore}. The
 * shared key is compared as a SHA-256 digest with {@link MessageDigest#isEqual}, so the time taken
 * does not depend on how much of a guess is right nor on the key's length. A handshake
 * {@code <own key>:<id>} whose id has a key is checked against that key; the shared key then does
 * not admit that id. Keys never appear in logs, events or attempt details.
 * <p>
 * It is also the gateway's {@link SecurityLog} (kept by {@link AttemptLog}, sized by {@code logSize}):
 * its own refusals go there, and a RADIUS reject reported there throttles like a wrong key.
 */
@Component(configurationPid = AuthConfig.PID, service = { KeyCheck.class, ClientKeys.class, SecurityLog.class })
@Designate(ocd = AuthConfig.class)
public final class SharedKeyCheck implements KeyCheck, ClientKeys, SecurityLog {

	/** Framework property naming the configuration directory, which holds the {@code clients} file. */
	static final String CONF_PROPERTY = "mobilegt.conf";
	static final String CLIENTS_FILE = "clients";

	static final int MAX_ID_BYTES = 64;
	/** "Throttling" lines: at most this many per minute, then a count. */
	private static final int THROTTLE_LOG_PERMITS = 10;

	private final Logger log;
	private final Throttle throttle;
	private final AttemptLog attempts;
	private final ClientKeyStore clients;
	private final Map<Long, Long> bannedAddresses = new ConcurrentHashMap<>();
	private final Map<String, Long> bannedIds = new ConcurrentHashMap<>();
	private final RateGate throttleGate = new RateGate(THROTTLE_LOG_PERMITS, 60_000);
	private volatile AuthSettings settings;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile ConfigurationAdmin configurationAdmin;
	private final LiveConfig<AuthConfig, AuthSettings> live;

	@Activate
	public SharedKeyCheck(AuthConfig config, Map<String, Object> properties, @Reference(service = LoggerFactory.class) Logger log,
			BundleContext context) {
		this(config, properties, log, Path.of(Objects.requireNonNullElse(context.getProperty(CONF_PROPERTY), "conf"), CLIENTS_FILE));
	}

	SharedKeyCheck(AuthConfig config, Map<String, Object> properties, Logger log, Path clientsFile) {
		this.log = log;
		this.live = new LiveConfig<>(AuthConfig.PID, AuthConfig.class, AuthSettings::of, log, () -> events, () -> configurationAdmin);
		AuthSettings initial = live.start(config, properties);
		this.clients = new ClientKeyStore(clientsFile);
		try {
			clients.load().forEach(log::warn);
		} catch (IOException e) {
			log.error("Cannot read {}: no client has its own key until it is fixed", clientsFile, e);
		}
		if (!clients.isEmpty()) {
			log.info("{} clients with their own key in {}", clients.list().size(), clientsFile.toAbsolutePath());
		}
		this.throttle = new Throttle(initial.maxFailuresPerMinute());
		this.attempts = new AttemptLog(initial.logSize(), log, () -> events);
		use(initial);
	}

	@Modified
	synchronized void modified(AuthConfig config, Map<String, Object> newProperties) {
		live.update(config, newProperties, this::use);
	}

	private void use(AuthSettings next) {
		settings = next;
		throttle.limit(next.maxFailuresPerMinute());
		attempts.capacity(next.logSize());
		if (next.keyDigest() == null) {
			log.warn("No shared key configured ({} key): only clients with their own key (vpn:keys) get in", AuthConfig.PID);
		}
	}

	@Override
	public Verdict check(InetAddress address, int port, ByteBuffer payload) {
		long now = System.currentTimeMillis();
		long source = source(address);
		if (bannedUntil(bannedAddresses, source, now) || throttle.refuse(source, now)) {
			attempts.count(Reason.THROTTLED);
			return new Verdict(Reason.THROTTLED, null);
		}
		AuthSettings s = settings;
		boolean perClient = !clients.isEmpty();
		if (s.keyDigest() == null && !perClient) {
			return refuse(address, port, Reason.BAD_KEY, "no shared key and no client keys are configured", null, now);
		}
		int longestKey = perClient ? Math.max(s.keyLength(), ClientKeyStore.KEY_LENGTH) : s.keyLength();
		if (payload.remaining() > longestKey + 1 + MAX_ID_BYTES) {
			// refused before any copy or hash: no key and id are this long
			return refuse(address, port, Reason.UNKNOWN_ID, "handshake of " + payload.remaining()
					+ " bytes is too long for a key and a client id of at most " + MAX_ID_BYTES + " bytes", null, now);
		}
		byte[] bytes = new byte[payload.remaining()];
		payload.get(payload.position(), bytes);
		String id = perClient ? ownKeyId(bytes) : null;
		if (id == null) {
			Verdict shared = sharedKey(s, bytes, address, port, now);
			if (shared != null) {
				return shared;
			}
			id = bytes.length > s.keyLength() ? clientId(bytes, s.keyLength() + 1) : null;
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

	/** The client id of {@code <own key>:<id>} when that id has a key and it is this one, else null. */
	private String ownKeyId(byte[] bytes) {
		int k = ClientKeyStore.KEY_LENGTH;
		if (bytes.length <= k || bytes[k] != ':') {
			return null;
		}
		String id = clientId(bytes, k + 1);
		return id != null && clients.matches(id, Arrays.copyOf(bytes, k)) ? id : null;
	}

	/**
	 * Checks {@code secret} or {@code secret:id} against the shared key: null when it passes, else
	 * the refusal. An id that has its own key is refused with the shared key (no hijacking).
	 */
	private Verdict sharedKey(AuthSettings s, byte[] bytes, InetAddress address, int port, long now) {
		if (s.keyDigest() == null) {
			return refuse(address, port, Reason.BAD_KEY, "wrong key (the shared key is off)", null, now);
		}
		boolean withId = bytes.length > s.keyLength() && bytes[s.keyLength()] == ':';
		byte[] secret = withId ? Arrays.copyOf(bytes, s.keyLength()) : bytes;
		if (!MessageDigest.isEqual(AuthSettings.sha256(secret), s.keyDigest())) {
			return refuse(address, port, Reason.BAD_KEY, "wrong key", null, now);
		}
		if (!withId) {
			return null;
		}
		String id = clientId(bytes, s.keyLength() + 1);
		if (id == null) {
			return refuse(address, port, Reason.UNKNOWN_ID,
					"client id is not printable ASCII of 1-" + MAX_ID_BYTES + " bytes", null, now);
		}
		if (clients.has(id)) {
			return refuse(address, port, Reason.BAD_KEY, "the shared key for a client id that has its own key", id, now);
		}
		return null;
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

	/** Records a refused handshake; only a wrong key (or a RADIUS reject) counts towards throttling its source. */
	private Verdict refuse(InetAddress address, int port, Reason reason, String why, String id, long now) {
		attempts.record(address, port, reason, id == null ? why : why + ": " + id, now);
		if ((reason == Reason.BAD_KEY || reason == Reason.REJECTED_BY_RADIUS) && throttle.fail(source(address), now)) {
			attempts.add(new IllegalAttempt(address, port, Instant.ofEpochMilli(now), Reason.THROTTLED,
					"throttled for the rest of the minute after " + throttle.limit() + " wrong keys"));
			long held = throttleGate.admit(now);
			if (held >= 0) {
				log.warn("Throttling {}: too many failures ({} wrong keys within a minute); one key check a second until the minute ends{}",
						IpAddress.of(address), throttle.limit(), RateGate.heldBack(held));
			}
		}
		return new Verdict(reason, id);
	}

	@Override
	public boolean blocked(InetAddress address) {
		long now = System.currentTimeMillis();
		long source = source(address);
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
		if (reason == Reason.REJECTED_BY_RADIUS) {
			refuse(address, port, reason, detail, null, System.currentTimeMillis());
		} else {
			attempts.record(address, port, reason, detail, System.currentTimeMillis());
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
		log.info("Banned {}{} for {} min", address == null ? "" : IpAddress.of(address) + " ",
				clientId == null ? "" : "client " + clientId, duration.toMinutes());
	}

	@Override
	public List<IllegalAttempt> illegalAttempts(int max) {
		return attempts.newest(max);
	}

	@Override
	public Map<Reason, Long> counts() {
		return attempts.counts();
	}

	@Override
	public boolean keyConfigured() {
		return settings.keyDigest() != null || !clients.isEmpty();
	}

	@Override
	public String add(String clientId) {
		validId(clientId);
		synchronized (clients) {
			if (clients.has(clientId)) {
				throw new IllegalArgumentException("client " + clientId + " has a key already: rotate or remove it");
			}
			String key = write(clientId, () -> clients.put(clientId));
			log.info("Client {} was given its own key", ClientIds.printable(clientId));
			return key;
		}
	}

	@Override
	public String rotate(String clientId) {
		synchronized (clients) {
			if (!clients.has(clientId)) {
				throw new IllegalArgumentException("client " + clientId + " has no key of its own");
			}
			String key = write(clientId, () -> clients.put(clientId));
			log.info("Key of client {} rotated: the old key no longer works", ClientIds.printable(clientId));
			revoked(clientId, "rotated");
			return key;
		}
	}

	@Override
	public boolean remove(String clientId) {
		synchronized (clients) {
			if (!write(clientId, () -> clients.remove(clientId))) {
				return false;
			}
			log.info("Key of client {} removed: it no longer works", ClientIds.printable(clientId));
			revoked(clientId, "removed");
			return true;
		}
	}

	@Override
	public List<ClientKeys.Entry> list() {
		return clients.list().entrySet().stream().map(e -> new ClientKeys.Entry(e.getKey(), e.getValue())).toList();
	}

	private interface Change<T> {
		T apply() throws IOException;
	}

	private <T> T write(String clientId, Change<T> change) {
		try {
			return change.apply();
		} catch (IOException e) {
			log.error("Cannot write {}: the key of client {} is unchanged", clients.file(), ClientIds.printable(clientId), e);
			throw new IllegalStateException("cannot write " + clients.file() + ": " + e.getMessage(), e);
		}
	}

	private static void validId(String clientId) {
		if (clientId == null || clientId.isEmpty() || clientId.length() > MAX_ID_BYTES
				|| !clientId.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
			throw new IllegalArgumentException("a client id is 1-" + MAX_ID_BYTES + " printable ASCII characters");
		}
	}

	private void revoked(String clientId, String action) {
		EventAdmin ea = events;
		if (ea != null) {
			ea.postEvent(new Event(TOPIC_REVOKED, Map.of("client.id", clientId, "action", action)));
		}
	}

	/**
	 * The source throttles and bans count by ({@link EndpointKey#source}): an IPv4 address, or an
	 * IPv6 address's /64, since one subscriber usually holds a whole /64 and per-address counting
	 * would be no limit.
	 */
	private static long source(InetAddress address) {
		return EndpointKey.source(address);
	}
}
