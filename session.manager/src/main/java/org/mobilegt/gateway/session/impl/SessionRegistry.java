package org.mobilegt.gateway.session.impl;

import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.common.BoundedTable;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.KeptState;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.CloseReason;
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
 * <p>
 * This class is the DS component and the facade of the parts: {@link SessionIndex} (the live
 * sessions), {@link Leases} (pools, sticky leases, {@link SourceLimits}), {@link Subnets} (the
 * pools from the TUN device's subnets) and {@link SessionStore} (the saved state).
 */
@Component(configurationPid = SessionsConfig.PID)
@Designate(ocd = SessionsConfig.class)
public final class SessionRegistry implements SessionManager {

	static final String STATE_FILE = "sessions.json";
	private static final long HOUSEKEEPING_MILLIS = 1000;

	static final int MAX_RECENT = 65_536;

	private final Logger log;
	private final SessionStore store;
	private final ScheduledExecutorService housekeeping;
	private final EventPoster posterThread = new EventPoster("mobilegt-session-events");
	/** Where events are posted from (see {@link #post}); unit tests post directly. */
	Executor poster = posterThread;
	private final SessionImpl.Share share = new SessionImpl.Share();
	/** Session lifecycle lines: every one normally, a count when thousands of clients (re)connect at once. */
	private final RateGate lifecycleLog = new RateGate(50, 1000);

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile ConfigurationAdmin configurationAdmin;

	// Written under this object's lock. The index and the leases can be copied without it, so that
	// persistence, expiry and queries do not hold the lock that handshakes need.
	private volatile SessionSettings settings;
	private final LiveConfig<SessionsConfig, SessionSettings> live;
	private final SessionIndex index = new SessionIndex();
	private final Leases leases = new Leases();
	private final SourceLimits limits = leases.limits();
	private final IdleTimeout idle;
	private final Subnets subnets;
	private volatile long nextId = 1;
	private boolean dirty;
	private final SavePacer pacer = new SavePacer(System::nanoTime);

	/** Endpoints whose session ended recently (closed at, ms): bounded, a roaming flood evicts the oldest. */
	private final BoundedTable<Long, Long> recent = new BoundedTable<>(MAX_RECENT);

	@Activate
	public SessionRegistry(BundleContext context, SessionsConfig config, Map<String, Object> properties,
			@Reference(service = LoggerFactory.class) Logger log) {
		this.log = log;
		this.store = new SessionStore(new KeptState<>(context.getDataFile(STATE_FILE).toPath(), SavedState.class,
				context.getProperty(Constants.FRAMEWORK_UUID)), log, index, leases, recent);
		this.live = new LiveConfig<>(SessionsConfig.PID, SessionsConfig.class, SessionSettings::of, log, () -> events,
				() -> configurationAdmin);
		this.subnets = new Subnets(leases, index, log, this::close);
		this.settings = live.start(config, properties);
		share.packetsPerSecond = settings.packetsPerSecond();
		limits.limits(settings.maxSessionsPerSource(), settings.maxNewLeasesPerSourcePerMinute());
		idle = new IdleTimeout(log, settings.idleMillis());
		restore();
		housekeeping = Daemons.scheduler("mobilegt-sessions");
		housekeeping.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_MILLIS, HOUSEKEEPING_MILLIS, TimeUnit.MILLISECONDS);
	}

	@Modified
	synchronized void modified(SessionsConfig config, Map<String, Object> newProperties) {
		live.update(config, newProperties, next -> {
			boolean exclusionsChanged = !next.excluded().equals(settings.excluded());
			boolean exclusions6Changed = !next.excluded6().equals(settings.excluded6());
			settings = next;
			share.packetsPerSecond = next.packetsPerSecond();
			limits.limits(next.maxSessionsPerSource(), next.maxNewLeasesPerSourcePerMinute());
			idle.own(next.idleMillis());
			if (exclusionsChanged && leases.pool() != null) {
				repool(leases.pool().cidr());
			}
			if (exclusions6Changed && leases.pool6() != null) {
				repool6(leases.pool6().cidr());
			}
		});
	}

	@Deactivate
	void deactivate() throws InterruptedException {
		housekeeping.shutdown();
		housekeeping.awaitTermination(5, TimeUnit.SECONDS);
		posterThread.stop(2000);
		store.write(store.capture(nextId));
		synchronized (this) {
			index.releaseEndpoints(); // the next instance (a bundle update) retains what it resumes
		}
	}

	// ---- the client subnets come from the TUN device; no IPv6 prefix there: IPv6 is off

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	void bindTun(TunDevice tun, Map<String, Object> props) {
		subnets(props);
	}

	void updatedTun(TunDevice tun, Map<String, Object> props) {
		subnets(props);
	}

	void unbindTun(TunDevice tun) {
		// the pool stays: the device comes back after a TUN driver update
	}

	private synchronized void subnets(Map<String, Object> props) {
		dirty |= subnets.fromTun(props, settings);
	}

	private void repool(String cidr) {
		subnets.repool(cidr, settings);
		dirty = true;
	}

	private void repool6(String cidr) {
		subnets.repool6(cidr, settings);
		dirty = true;
	}

	// ---- data path reads

	@Override
	public Session byEndpoint(long endpoint) {
		return index.byEndpoint(endpoint);
	}

	@Override
	public Session byTunnelAddress(int address) {
		return index.byAddress(address);
	}

	@Override
	public Session byTunnelAddress6(long hi, long lo) {
		return index.byAddress6(hi, lo);
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
		if (EndpointKey.toEndpoint(endpoint) == null) {
			throw new SessionRefusedException("endpoint " + EndpointKey.format(endpoint) + " was forgotten (too many IPv6 sources): "
					+ "its next handshake gets a new key");
		}
		SessionImpl here = index.byEndpoint(endpoint);
		if (here != null) {
			if (Objects.equals(here.clientId(), clientId)) {
				here.received(0, false, now);
				return here; // a repeated handshake
			}
			close(here, CloseReason.ROAMED);
		}
		if (clientId != null) {
			SessionImpl roaming = index.byClient(clientId);
			if (roaming != null) {
				if (EndpointKey.source(roaming.endpoint()) != EndpointKey.source(endpoint)) {
					limits.checkSession(endpoint);
				}
				limits.closed(roaming.endpoint());
				limits.opened(endpoint);
				// the old endpoint held a session a moment ago: its late packets get the re-handshake hint
				recent.put(roaming.endpoint(), now);
				long held = lifecycleLog.admit(now);
				if (held >= 0) {
					log.info("Client {} moved from {} to {}{}", ClientIds.printable(clientId), EndpointKey.format(roaming.endpoint()),
							EndpointKey.format(endpoint), notLogged(held));
				}
				String previous = EndpointKey.format(roaming.endpoint());
				index.move(roaming, endpoint);
				roaming.received(0, false, now);
				post(TOPIC_ROAMED, roaming, null, previous);
				recent.remove(endpoint);
				dirty = true;
				return roaming;
			}
		}
		AddressPool pool = leases.pool();
		if (pool == null) {
			throw new SessionRefusedException("no client subnet yet: the TUN device has not come up");
		}
		int max = settings.maxClients() > 0 ? settings.maxClients() : pool.size();
		if (index.size() >= max) {
			// maxClients=0 means "as many as the pool has": say so, not a limit nobody configured
			throw new SessionRefusedException("client limit reached: " + index.size() + " connected ("
					+ (settings.maxClients() > 0 ? "maxClients=" + max : "every address of " + pool.cidr() + " is in use") + ")");
		}
		limits.checkSession(endpoint);
		SessionImpl holder = requested == 0 || !pool.leasable(requested) ? null : index.byAddress(requested);
		if (holder != null) {
			throw new SessionRefusedException("assigned address " + IpAddress.formatIpv4(requested) + " is in use by session " + holder.id());
		}
		Leases.LeaseState lease = leases.assign(Leases.key(clientId, endpoint), endpoint, requested, now, settings.leaseMillis(),
				a -> index.byAddress(a) != null);
		SessionImpl s = new SessionImpl(nextId++, clientId, endpoint, lease.address, lease.hi6, lease.lo6, Instant.ofEpochMilli(now), now,
				share);
		add(s);
		recent.remove(endpoint);
		dirty = true;
		long held = lifecycleLog.admit(now);
		if (held >= 0) {
			log.info("Session {} opened: client {} at {} has {}{}{}", s.id(), ClientIds.printable(clientId),
					EndpointKey.format(endpoint), IpAddress.formatIpv4(s.tunnelAddress()), s.has6() ? " and " + s.tunnelAddress6() : "",
					notLogged(held));
		}
		post(TOPIC_OPENED, s, null);
		return s;
	}

	private static String notLogged(long held) {
		return held > 0 ? " (" + held + " session events before this one not logged)" : "";
	}

	private void add(SessionImpl s) {
		limits.opened(s.endpoint());
		index.add(s);
	}

	@Override
	public synchronized void close(Session session, CloseReason reason) {
		if (session instanceof SessionImpl s && index.byEndpoint(s.endpoint()) == s) {
			long now = System.currentTimeMillis();
			index.remove(s);
			limits.closed(s.endpoint());
			s.end();
			// only client ids get sticky reservations: an anonymous address returns to the pool
			leases.ended(s.clientId(), s.endpoint(), s.tunnelAddress(), now, settings.leaseMillis());
			recent.put(s.endpoint(), now);
			dirty = true;
			long held = lifecycleLog.admit(now);
			if (held >= 0) {
				log.info("Session {} {}: client {} at {} ({}), rx {} packets, tx {} packets{}", s.id(),
						reason == CloseReason.EXPIRED ? "expired" : "closed", ClientIds.printable(s.clientId()),
						EndpointKey.format(s.endpoint()), reason, s.rxPackets(), s.txPackets(), notLogged(held));
			}
			post(reason == CloseReason.EXPIRED ? TOPIC_EXPIRED : TOPIC_CLOSED, s, reason);
		}
	}

	@Override
	public void legacyIdleTimeout(int seconds) {
		idle.legacy(seconds);
	}

	@Override
	public synchronized void spreadLeases(int ways) {
		if (ways < 1 || ways > MAX_WAYS) {
			throw new IllegalArgumentException("ways must be 1 to " + MAX_WAYS + ": " + ways);
		}
		leases.spread(ways);
	}

	/** Closes the sessions idle at {@code nowMillis} as {@link CloseReason#EXPIRED}; returns how many. */
	int expireIdle(long nowMillis) {
		List<SessionImpl> due = idle.due(index.snapshot(), nowMillis);
		due.forEach(s -> close(s, CloseReason.EXPIRED));
		return due.size();
	}

	private void post(String topic, SessionImpl s, CloseReason reason) {
		post(topic, s, reason, null);
	}

	/**
	 * EventAdmin keeps events in order per posting thread only: one thread posts them all, in the
	 * order they happened under this lock, so that the connection log never has a roam before its open.
	 */
	private void post(String topic, SessionImpl s, CloseReason reason, String previousEndpoint) {
		EventAdmin ea = events;
		if (ea == null) {
			return;
		}
		Event event = SessionEvents.of(topic, s, reason, previousEndpoint);
		poster.execute(() -> ea.postEvent(event));
	}

	// ---- queries

	@Override
	public Collection<Session> sessions() {
		return Collections.unmodifiableList(index.snapshot());
	}

	@Override
	public synchronized Optional<Session> find(String idOrAddress) {
		return Optional.ofNullable(index.find(idOrAddress.strip()));
	}

	@Override
	public synchronized Pool pool() {
		return leases.view(index.size(), System.currentTimeMillis());
	}

	// ---- housekeeping and persistence

	private void housekeeping() {
		try {
			boolean save;
			long now = System.currentTimeMillis();
			expireIdle(now);
			synchronized (this) {
				dirty |= leases.expire(now);
				limits.prune(now);
				save = dirty && pacer.due();
				dirty &= !save;
			}
			long recentMillis = settings.recentMillis();
			recent.removeIf(closedAt -> now - closedAt >= recentMillis);
			if (save) {
				pacer.run(() -> write(store.capture(nextId))); // outside the lock: handshakes go on meanwhile
			}
		} catch (RuntimeException e) {
			log.error("Session housekeeping failed: {}", e.toString());
		}
	}

	private void write(SavedState state) {
		if (!store.write(state)) {
			synchronized (this) {
				dirty = true; // try again at the next tick
			}
		}
	}

	/** Loads the state file at activation. */
	private synchronized void restore() {
		long saved = store.restore(share, settings.leaseMillis(), settings.recentMillis(), this::repool, this::repool6);
		if (saved > 0) {
			nextId = Math.max(nextId, saved);
			dirty = true;
		}
	}
}
