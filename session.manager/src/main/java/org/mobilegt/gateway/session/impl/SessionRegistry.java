package org.mobilegt.gateway.session.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.common.BoundedTable;
import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.LongMap;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.session.api.CloseReason;
import org.mobilegt.gateway.session.api.Endpoint;
import org.mobilegt.gateway.session.api.Lease;
import org.mobilegt.gateway.session.api.Pool;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.session.api.SessionRefusedException;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The {@link SessionManager}. Writes (handshakes, closes, expiry) are serialised on this object;
 * the data path reads lock-free maps (one writer, many readers) without taking any lock.
 * <p>
 * Leases and recently closed endpoints are saved to the bundle data area (atomically, at most once
 * a second, and on deactivation). On deactivation live sessions are saved too: a bundle update
 * resumes them with their counters, while a framework restart turns them into re-handshake hints.
 * The client subnet is the TUN device's.
 */
@Component(configurationPid = SessionsConfig.PID)
@Designate(ocd = SessionsConfig.class)
public final class SessionRegistry implements SessionManager {

	static final String STATE_FILE = "sessions.json";
	private static final long HOUSEKEEPING_MILLIS = 1000;

	static final int MAX_RECENT = 65_536;

	private record Settings(int maxClients, long leaseMillis, long recentMillis, Set<Integer> excluded, int packetsPerSecond,
			int maxSessionsPerSource, int maxNewLeasesPerSourcePerMinute) {
	}

	/** A lease; anonymous clients are keyed by endpoint. Written under the registry's lock, read without. */
	private static final class LeaseState {
		final int address;
		volatile long expires;
		volatile boolean live;

		LeaseState(int address, long expires, boolean live) {
			this.address = address;
			this.expires = expires;
			this.live = live;
		}
	}

	private final Logger log;
	private final String framework;
	private final StateFile store;
	private final ScheduledExecutorService housekeeping;
	private final SessionImpl.Share share = new SessionImpl.Share();
	/** Session lifecycle lines: every one normally, a count when thousands of clients (re)connect at once. */
	private final RateGate lifecycleLog = new RateGate(50, 1000);

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile ConfigurationAdmin configurationAdmin;

	// Written under this object's lock. The maps are concurrent so that persistence, expiry and
	// queries copy them without holding the lock that handshakes need.
	private volatile Settings settings;
	private Map<String, Object> properties;
	private volatile AddressPool pool;
	private final Map<Long, SessionImpl> endpoints = new ConcurrentHashMap<>();
	private final Map<Long, SessionImpl> addresses = new ConcurrentHashMap<>();
	private final Map<String, SessionImpl> clients = new ConcurrentHashMap<>();
	private final Map<String, LeaseState> leases = new ConcurrentHashMap<>();
	private final SourceLimits limits = new SourceLimits();
	private volatile long nextId = 1;
	private boolean dirty;

	/** Endpoints whose session ended recently (closed at, ms): bounded, a roaming flood evicts the oldest. */
	private final BoundedTable<Long, Long> recent = new BoundedTable<>(MAX_RECENT);
	// Lookups for the data path: written under this object's lock, read without any lock.
	private final LongMap<SessionImpl> byEndpoint = new LongMap<>();
	private final LongMap<SessionImpl> byAddress = new LongMap<>();

	@Activate
	public SessionRegistry(BundleContext context, SessionsConfig config, Map<String, Object> properties,
			@Reference(service = LoggerFactory.class) Logger log) {
		this.log = log;
		this.framework = context.getProperty(Constants.FRAMEWORK_UUID);
		this.store = new StateFile(context.getDataFile(STATE_FILE).toPath());
		this.settings = settings(config);
		this.properties = properties;
		share.packetsPerSecond = settings.packetsPerSecond();
		limits.limits(settings.maxSessionsPerSource(), settings.maxNewLeasesPerSourcePerMinute());
		restore();
		housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "mobilegt-sessions");
			t.setDaemon(true);
			return t;
		});
		housekeeping.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_MILLIS, HOUSEKEEPING_MILLIS, TimeUnit.MILLISECONDS);
	}

	@Modified
	synchronized void modified(SessionsConfig config, Map<String, Object> newProperties) {
		try {
			Settings next = settings(config);
			boolean exclusionsChanged = !next.excluded().equals(settings.excluded());
			settings = next;
			Map<String, Object> previousProperties = properties;
			properties = newProperties;
			share.packetsPerSecond = next.packetsPerSecond();
			limits.limits(next.maxSessionsPerSource(), next.maxNewLeasesPerSourcePerMinute());
			if (exclusionsChanged && pool != null) {
				repool(pool.cidr());
			}
			ConfigRejection.applied(events, SessionsConfig.PID, previousProperties, newProperties);
		} catch (ConfigValueException e) {
			ConfigRejection.rejected(log, events, configurationAdmin, SessionsConfig.PID, SessionsConfig.class, properties, e);
		}
	}

	@Deactivate
	void deactivate() throws InterruptedException {
		housekeeping.shutdown();
		housekeeping.awaitTermination(5, TimeUnit.SECONDS);
		write(snapshotState());
	}

	private static Settings settings(SessionsConfig c) {
		Set<Integer> excluded = new HashSet<>();
		for (String a : c.exclude()) {
			String address = a.strip();
			if (address.isEmpty()) {
				continue;
			}
			try {
				if (!address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
					throw new IllegalArgumentException();
				}
				excluded.add(Endpoint.toInt(InetAddress.getByName(address)));
			} catch (IOException | IllegalArgumentException e) {
				throw new ConfigValueException(SessionsConfig.PID, "exclude", address, "is not an IPv4 address");
			}
		}
		return new Settings(c.maxClients(), TimeUnit.MINUTES.toMillis(c.leaseMinutes()),
				TimeUnit.MINUTES.toMillis(c.recentMinutes()), Set.copyOf(excluded), c.maxPacketsPerSecond(), c.maxSessionsPerSource(),
				c.maxNewLeasesPerSourcePerMinute());
	}

	// ---- the client subnet comes from the TUN device

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	void bindTun(TunDevice tun, Map<String, Object> props) {
		subnet((String) props.get(TunDevice.SUBNET));
	}

	void updatedTun(TunDevice tun, Map<String, Object> props) {
		subnet((String) props.get(TunDevice.SUBNET));
	}

	void unbindTun(TunDevice tun) {
		// the pool stays: the device comes back after a TUN driver update
	}

	private synchronized void subnet(String cidr) {
		if (cidr != null && (pool == null || !pool.cidr().equals(cidr))) {
			repool(cidr);
		}
	}

	/** Builds the pool for {@code cidr}; sessions and leases outside it end. */
	private void repool(String cidr) {
		Set<Integer> excluded = new HashSet<>(settings.excluded());
		excluded.addAll(localAddresses());
		AddressPool next = new AddressPool(cidr, excluded);
		for (SessionImpl s : new ArrayList<>(endpoints.values())) {
			if (!next.leasable(s.tunnelAddress())) {
				close(s, CloseReason.SHUTDOWN);
			}
		}
		leases.values().removeIf(l -> !next.leasable(l.address));
		leases.values().forEach(l -> next.take(l.address));
		pool = next;
		dirty = true;
		log.info("Address pool {}", next);
	}

	private static Set<Integer> localAddresses() {
		Set<Integer> local = new HashSet<>();
		try {
			for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				for (InetAddress a : Collections.list(nif.getInetAddresses())) {
					if (a.getAddress().length == 4) {
						local.add(Endpoint.toInt(a));
					}
				}
			}
		} catch (SocketException e) {
			// no interfaces listed: nothing extra to exclude
		}
		return local;
	}

	// ---- data path reads

	@Override
	public Session byEndpoint(long endpoint) {
		return byEndpoint.get(endpoint);
	}

	@Override
	public Session byTunnelAddress(int address) {
		return byAddress.get(address & 0xFFFFFFFFL);
	}

	@Override
	public boolean recentlyClosed(long endpoint) {
		Long closedAt = recent.get(endpoint);
		return closedAt != null && System.currentTimeMillis() - closedAt < settings.recentMillis();
	}

	// ---- handshakes and closes

	@Override
	public Session open(long endpoint, String clientId) throws SessionRefusedException {
		return open(endpoint, clientId, 0);
	}

	@Override
	public synchronized Session open(long endpoint, String clientId, int requested) throws SessionRefusedException {
		long now = System.currentTimeMillis();
		SessionImpl here = endpoints.get(endpoint);
		if (here != null) {
			if (Objects.equals(here.clientId(), clientId)) {
				here.received(0, false, now);
				return here; // a repeated handshake
			}
			close(here, CloseReason.ROAMED);
		}
		if (clientId != null) {
			SessionImpl roaming = clients.get(clientId);
			if (roaming != null) {
				if (Endpoint.address(roaming.endpoint()) != Endpoint.address(endpoint)) {
					limits.checkSession(endpoint);
				}
				endpoints.remove(roaming.endpoint());
				byEndpoint.remove(roaming.endpoint());
				limits.closed(roaming.endpoint());
				limits.opened(endpoint);
				// the old endpoint held a session a moment ago: its late packets get the re-handshake hint
				recent.put(roaming.endpoint(), now);
				long held = lifecycleLog.admit(now);
				if (held >= 0) {
					log.info("Client {} moved from {} to {}{}", clientId, Endpoint.format(roaming.endpoint()), Endpoint.format(endpoint),
							notLogged(held));
				}
				String previous = Endpoint.format(roaming.endpoint());
				roaming.endpoint(endpoint);
				roaming.received(0, false, now);
				post(TOPIC_ROAMED, roaming, null, previous);
				endpoints.put(endpoint, roaming);
				byEndpoint.put(endpoint, roaming);
				recent.remove(endpoint);
				dirty = true;
				return roaming;
			}
		}
		if (pool == null) {
			throw new SessionRefusedException("no client subnet yet: the TUN device has not come up");
		}
		int max = settings.maxClients() > 0 ? settings.maxClients() : pool.size();
		if (endpoints.size() >= max) {
			// maxClients=0 means "as many as the pool has": say so, not a limit nobody configured
			throw new SessionRefusedException("client limit reached: " + endpoints.size() + " connected ("
					+ (settings.maxClients() > 0 ? "maxClients=" + max : "every address of " + pool.cidr() + " is in use") + ")");
		}
		limits.checkSession(endpoint);
		String key = leaseKey(clientId, endpoint);
		LeaseState lease = leases.get(key);
		int address;
		if (requested != 0) {
			address = framed(key, lease, requested);
		} else if (lease != null && pool.leasable(lease.address) && !addresses.containsKey(lease.address & 0xFFFFFFFFL)) {
			address = lease.address;
		} else {
			limits.checkNewLease(endpoint, now);
			OptionalInt fresh = pool.allocate();
			if (fresh.isEmpty()) {
				expireLeases(now);
				fresh = pool.allocate();
			}
			if (fresh.isEmpty()) {
				throw new SessionRefusedException("address pool exhausted: all " + pool.size() + " addresses of " + pool.cidr()
						+ " are leased or reserved (leaseMinutes=" + TimeUnit.MILLISECONDS.toMinutes(settings.leaseMillis()) + ")");
			}
			address = fresh.getAsInt();
			limits.newLease(endpoint, now);
		}
		pool.take(address);
		leases.put(key, new LeaseState(address, Long.MAX_VALUE, true));
		SessionImpl s = new SessionImpl(nextId++, clientId, endpoint, address, Instant.ofEpochMilli(now), now, share);
		add(s);
		recent.remove(endpoint);
		dirty = true;
		long held = lifecycleLog.admit(now);
		if (held >= 0) {
			log.info("Session {} opened: client {} at {} has {}{}", s.id(), clientId == null ? "(anonymous)" : clientId,
					Endpoint.format(endpoint), Endpoint.formatAddress(address), notLogged(held));
		}
		post(TOPIC_OPENED, s, null);
		return s;
	}

	/**
	 * The address an authenticator assigned (RADIUS Framed-IP-Address): it must lie in the pool and
	 * be free of live sessions; a stale lease of another client on it gives way, and the client's
	 * own lease on another address is released.
	 */
	private int framed(String key, LeaseState own, int requested) throws SessionRefusedException {
		if (!pool.leasable(requested)) {
			throw new SessionRefusedException("assigned address " + Endpoint.formatAddress(requested) + " is outside the client subnet "
					+ pool.cidr() + " or reserved");
		}
		SessionImpl holder = addresses.get(requested & 0xFFFFFFFFL);
		if (holder != null) {
			throw new SessionRefusedException("assigned address " + Endpoint.formatAddress(requested) + " is in use by session " + holder.id());
		}
		leases.entrySet().removeIf(e -> e.getValue().address == requested && !e.getKey().equals(key));
		if (own != null && own.address != requested && !addresses.containsKey(own.address & 0xFFFFFFFFL)) {
			pool.release(own.address);
		}
		return requested;
	}

	private static String notLogged(long held) {
		return held > 0 ? " (" + held + " session events before this one not logged)" : "";
	}

	private static String leaseKey(String clientId, long endpoint) {
		return clientId != null ? "id:" + clientId : "ep:" + endpoint;
	}

	private void add(SessionImpl s) {
		limits.opened(s.endpoint());
		endpoints.put(s.endpoint(), s);
		addresses.put(s.tunnelAddress() & 0xFFFFFFFFL, s);
		byEndpoint.put(s.endpoint(), s);
		byAddress.put(s.tunnelAddress() & 0xFFFFFFFFL, s);
		if (s.clientId() != null) {
			clients.put(s.clientId(), s);
		}
	}

	@Override
	public synchronized void close(Session session, CloseReason reason) {
		if (session instanceof SessionImpl s && endpoints.get(s.endpoint()) == s) {
			long now = System.currentTimeMillis();
			endpoints.remove(s.endpoint());
			addresses.remove(s.tunnelAddress() & 0xFFFFFFFFL);
			byEndpoint.remove(s.endpoint());
			byAddress.remove(s.tunnelAddress() & 0xFFFFFFFFL);
			if (s.clientId() != null) {
				clients.remove(s.clientId());
			}
			limits.closed(s.endpoint());
			s.end();
			String key = leaseKey(s.clientId(), s.endpoint());
			if (s.clientId() == null) {
				// only client ids get sticky reservations: an anonymous address returns to the pool
				if (leases.remove(key) != null && pool != null) {
					pool.release(s.tunnelAddress());
				}
			} else {
				LeaseState lease = leases.get(key);
				if (lease != null) {
					lease.expires = now + settings.leaseMillis();
					lease.live = false;
				}
			}
			recent.put(s.endpoint(), now);
			dirty = true;
			long held = lifecycleLog.admit(now);
			if (held >= 0) {
				log.info("Session {} {}: client {} at {} ({}), rx {} packets, tx {} packets{}", s.id(),
						reason == CloseReason.EXPIRED ? "expired" : "closed", s.clientId() == null ? "(anonymous)" : s.clientId(),
						Endpoint.format(s.endpoint()), reason, s.rxPackets(), s.txPackets(), notLogged(held));
			}
			post(reason == CloseReason.EXPIRED ? TOPIC_EXPIRED : TOPIC_CLOSED, s, reason);
		}
	}

	@Override
	public int expireIdle(long idleMillis) {
		long now = System.currentTimeMillis();
		int expired = 0;
		for (SessionImpl s : snapshot()) {
			if (now - s.lastReceivedMillis() > idleMillis) {
				close(s, CloseReason.EXPIRED);
				expired++;
			}
		}
		return expired;
	}

	/** The live sessions, copied without the lock (a concurrent map's weakly consistent view). */
	private List<SessionImpl> snapshot() {
		return new ArrayList<>(endpoints.values());
	}

	private void post(String topic, SessionImpl s, CloseReason reason) {
		post(topic, s, reason, null);
	}

	private void post(String topic, SessionImpl s, CloseReason reason, String previousEndpoint) {
		EventAdmin ea = events;
		if (ea == null) {
			return;
		}
		Map<String, Object> props = new HashMap<>();
		props.put(PROP_SESSION_ID, s.id());
		if (s.clientId() != null) {
			props.put(PROP_CLIENT_ID, s.clientId());
		}
		props.put(PROP_ENDPOINT, Endpoint.format(s.endpoint()));
		props.put(PROP_TUNNEL_ADDRESS, Endpoint.formatAddress(s.tunnelAddress()));
		props.put(PROP_START, s.since().toEpochMilli());
		if (previousEndpoint != null) {
			props.put(PROP_PREVIOUS_ENDPOINT, previousEndpoint);
		}
		if (reason != null) {
			props.put(PROP_REASON, reason.name());
			props.put(PROP_RX_PACKETS, s.rxPackets());
			props.put(PROP_RX_BYTES, s.rxBytes());
			props.put(PROP_TX_PACKETS, s.txPackets());
			props.put(PROP_TX_BYTES, s.txBytes());
		}
		ea.postEvent(new Event(topic, props));
	}

	// ---- queries

	@Override
	public Collection<Session> sessions() {
		return Collections.unmodifiableList(snapshot());
	}

	@Override
	public synchronized Optional<Session> find(String idOrAddress) {
		String q = idOrAddress.strip();
		SessionImpl s = clients.get(q);
		if (s == null && q.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
			try {
				s = addresses.get(Endpoint.toInt(InetAddress.getByName(q)) & 0xFFFFFFFFL);
			} catch (IOException e) {
				s = null;
			}
		}
		if (s == null && q.matches("\\d{1,18}")) {
			long id = Long.parseLong(q);
			s = endpoints.values().stream().filter(x -> x.id() == id).findFirst().orElse(null);
		}
		return Optional.ofNullable(s);
	}

	@Override
	public synchronized Pool pool() {
		long now = System.currentTimeMillis();
		List<Lease> list = new ArrayList<>();
		int reserved = 0;
		for (Map.Entry<String, LeaseState> e : leases.entrySet()) {
			LeaseState l = e.getValue();
			if (!l.live && l.expires <= now) {
				continue;
			}
			if (!l.live) {
				reserved++;
			}
			String id = e.getKey().startsWith("id:") ? e.getKey().substring(3) : null;
			list.add(new Lease(id, l.address, l.live, l.live ? null : Instant.ofEpochMilli(l.expires)));
		}
		list.sort((a, b) -> Integer.compareUnsigned(a.address(), b.address()));
		return pool == null ? new Pool("(no TUN device yet)", 0, 0, 0, List.of())
				: new Pool(pool.cidr(), pool.size(), endpoints.size(), reserved, list);
	}

	// ---- housekeeping and persistence

	private void housekeeping() {
		try {
			boolean save;
			long now = System.currentTimeMillis();
			synchronized (this) {
				expireLeases(now);
				limits.prune(now);
				save = dirty;
				dirty = false;
			}
			long recentMillis = settings.recentMillis();
			recent.removeIf(closedAt -> now - closedAt >= recentMillis);
			if (save) {
				write(snapshotState()); // outside the lock: handshakes go on while it is copied and written
			}
		} catch (RuntimeException e) {
			log.error("Session housekeeping failed: {}", e.toString());
		}
	}

	private void expireLeases(long now) {
		leases.values().removeIf(l -> {
			if (!l.live && l.expires <= now) {
				if (pool != null) {
					pool.release(l.address);
				}
				dirty = true;
				return true;
			}
			return false;
		});
	}

	/**
	 * What the state file will hold, copied from the concurrent maps without the lock: a change
	 * made meanwhile sets {@code dirty} again and is saved at the next tick.
	 */
	private SavedState snapshotState() {
		List<SavedState.SavedLease> savedLeases = new ArrayList<>(leases.size());
		leases.forEach((k, l) -> savedLeases.add(new SavedState.SavedLease(k, l.address, l.live ? Long.MAX_VALUE : l.expires)));
		List<SavedState.SavedRecent> savedRecent = new ArrayList<>();
		recent.copy().forEach((ep, t) -> savedRecent.add(new SavedState.SavedRecent(ep, t)));
		List<SavedState.SavedSession> savedSessions = new ArrayList<>(endpoints.size());
		for (SessionImpl s : endpoints.values()) {
			savedSessions.add(new SavedState.SavedSession(s.id(), s.clientId(), s.endpoint(), s.tunnelAddress(),
					s.since().toEpochMilli(), s.rxPackets(), s.rxBytes(), s.lastReceivedMillis(), s.txPackets(),
					s.txBytes(), s.lastSentMillis(), s.drops()));
		}
		AddressPool p = pool;
		return new SavedState(framework, System.currentTimeMillis(), nextId, p == null ? null : p.cidr(),
				savedLeases, savedRecent, savedSessions);
	}

	/** Writes the state file; only the housekeeping thread and deactivation write, never both at once. */
	private void write(SavedState state) {
		if (!Files.isDirectory(store.path().getParent())) {
			return; // the framework's storage is being removed (a test framework shutting down)
		}
		try {
			store.write(state);
		} catch (IOException e) {
			synchronized (this) {
				dirty = true; // try again at the next tick
			}
			log.error("Could not save sessions to {}: {}", store.path(), e.getMessage());
		}
	}

	/** Loads the state file at activation. */
	private synchronized void restore() {
		Optional<SavedState> saved;
		try {
			saved = store.read();
		} catch (IOException e) {
			log.error("Starting without saved sessions: {}", e.getMessage());
			try {
				Files.move(store.path(), store.path().resolveSibling(STATE_FILE + ".bad"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			} catch (IOException ignored) {
				// keep going without it
			}
			return;
		}
		if (saved.isEmpty()) {
			return;
		}
		SavedState state = saved.get();
		long now = System.currentTimeMillis();
		nextId = Math.max(nextId, state.nextId());
		if (state.subnet() != null) {
			repool(state.subnet());
		}
		boolean resume = Objects.equals(state.framework(), framework);
		for (SavedState.SavedLease l : nullSafe(state.leases())) {
			// anonymous leases live only as long as their session (resumed below, or gone)
			if (l.key().startsWith("id:") && l.expires() > now && (pool == null || pool.leasable(l.address()))) {
				leases.put(l.key(), new LeaseState(l.address(), l.expires(), false));
				if (pool != null) {
					pool.take(l.address());
				}
			}
		}
		for (SavedState.SavedRecent r : nullSafe(state.recent())) {
			recent.put(r.endpoint(), r.closedAt());
		}
		int resumed = 0;
		for (SavedState.SavedSession ss : nullSafe(state.sessions())) {
			String key = leaseKey(ss.clientId(), ss.endpoint());
			if (resume && pool != null && pool.leasable(ss.address())) {
				SessionImpl s = new SessionImpl(ss.id(), ss.clientId(), ss.endpoint(), ss.address(), Instant.ofEpochMilli(ss.since()), now,
						share);
				s.rx.restore(ss.rxPackets(), ss.rxBytes(), ss.rxLast());
				s.tx.restore(ss.txPackets(), ss.txBytes(), ss.txLast());
				s.drops(ss.drops());
				add(s);
				pool.take(ss.address());
				leases.put(key, new LeaseState(ss.address(), Long.MAX_VALUE, true));
				resumed++;
			} else {
				// a restart: the client is told to handshake again and gets its address back (an
				// anonymous one only from the same endpoint, within the recent window: its session
				// did not end, the gateway went away)
				recent.put(ss.endpoint(), state.savedAt());
				long expires = state.savedAt() + (ss.clientId() != null ? settings.leaseMillis() : settings.recentMillis());
				leases.put(key, new LeaseState(ss.address(), expires, false));
				if (pool != null) {
					pool.take(ss.address());
				}
			}
		}
		dirty = true;
		log.info("Restored from {}: {} live sessions resumed, {} leases, {} recent endpoints", store.path(), resumed,
				leases.size(), recent.size());
	}

	private static <T> List<T> nullSafe(List<T> list) {
		return list == null ? List.of() : list;
	}
}
