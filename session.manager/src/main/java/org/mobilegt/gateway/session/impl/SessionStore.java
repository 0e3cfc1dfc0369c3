package org.mobilegt.gateway.session.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.mobilegt.gateway.common.BoundedTable;
import org.mobilegt.gateway.common.KeptState;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.osgi.service.log.Logger;

/**
 * Persistence of the registry: leases, recently closed endpoints and live sessions, saved to the
 * bundle data area and restored at activation. Live sessions resume only within the same framework
 * run (a bundle update); after a restart they become re-handshake hints and their clients get
 * their addresses back.
 */
final class SessionStore {

	private final KeptState<SavedState> file;
	private final Logger log;
	private final SessionIndex index;
	private final Leases leases;
	private final BoundedTable<Long, Long> recent;

	SessionStore(KeptState<SavedState> file, Logger log, SessionIndex index, Leases leases, BoundedTable<Long, Long> recent) {
		this.file = file;
		this.log = log;
		this.index = index;
		this.leases = leases;
		this.recent = recent;
	}

	/**
	 * What the state file will hold, copied from the concurrent structures without the registry's
	 * lock: a change made meanwhile marks the registry dirty again and is saved at the next tick.
	 */
	SavedState capture(long nextId) {
		List<SavedState.SavedRecent> savedRecent = new ArrayList<>();
		recent.copy().forEach((ep, t) -> savedRecent.add(new SavedState.SavedRecent(ep, t)));
		List<SavedState.SavedSession> savedSessions = new ArrayList<>();
		for (SessionImpl s : index.snapshot()) {
			savedSessions.add(new SavedState.SavedSession(s.id(), s.clientId(), s.endpoint(), s.tunnelAddress(),
					s.since().toEpochMilli(), s.rxPackets(), s.rxBytes(), s.lastReceivedMillis(), s.txPackets(),
					s.txBytes(), s.lastSentMillis(), s.drops(), s.has6() ? s.tunnelAddress6().toString() : null));
		}
		AddressPool p = leases.pool();
		AddressPool6 p6 = leases.pool6();
		return new SavedState(nextId, p == null ? null : p.cidr(), leases.saved(),
				savedRecent, savedSessions, p6 == null ? null : p6.cidr());
	}

	/**
	 * Writes the state file; false when it failed and should be tried again. Only the housekeeping
	 * thread and deactivation write, never both at once.
	 */
	boolean write(SavedState state) {
		if (!Files.isDirectory(file.path().getParent())) {
			return true; // the framework's storage is being removed (a test framework shutting down)
		}
		try {
			file.save(state);
			return true;
		} catch (IOException e) {
			log.error("Could not save sessions to {}: {}", file.path(), e.getMessage());
			return false;
		}
	}

	/**
	 * Loads the state file into the index, the leases and the recent table; a file that cannot be
	 * read is moved aside. Returns the saved next session id, 0 when nothing was restored.
	 *
	 * @param repool  builds the pool for the saved subnet before leases are put back
	 * @param repool6 likewise the IPv6 pool for the saved prefix (a file from before IPv6 has none)
	 */
	long restore(SessionImpl.Share share, long leaseMillis, long recentMillis, Consumer<String> repool, Consumer<String> repool6) {
		Optional<KeptState.Loaded<SavedState>> saved;
		try {
			saved = file.load();
		} catch (IOException e) {
			log.error("Starting without saved sessions: {}", e.getMessage());
			try {
				Files.move(file.path(), file.path().resolveSibling(file.path().getFileName() + ".bad"), StandardCopyOption.REPLACE_EXISTING);
			} catch (IOException ignored) {
				// keep going without it
			}
			return 0;
		}
		if (saved.isEmpty()) {
			return 0;
		}
		SavedState state = saved.get().state();
		long savedAt = saved.get().savedAt();
		long now = System.currentTimeMillis();
		if (state.subnet() != null) {
			repool.accept(state.subnet());
		}
		if (state.subnet6() != null) {
			repool6.accept(state.subnet6());
		}
		for (SavedState.SavedLease l : nullSafe(state.leases())) {
			// anonymous leases live only as long as their session (resumed below, or gone)
			if (l.key().startsWith("id:") && l.expires() > now) {
				leases.restoreReserved(l.key(), l.address(), address6(l.address6()), l.expires());
			}
		}
		for (SavedState.SavedRecent r : nullSafe(state.recent())) {
			recent.put(r.endpoint(), r.closedAt());
		}
		boolean resume = saved.get().sameRun();
		int resumed = 0;
		AddressPool pool = leases.pool();
		for (SavedState.SavedSession ss : nullSafe(state.sessions())) {
			String key = Leases.key(ss.clientId(), ss.endpoint());
			IpAddress v6 = address6(ss.address6());
			if (resume && pool != null && pool.leasable(ss.address()) && fits6(v6) && EndpointKey.toEndpoint(ss.endpoint()) != null) {
				SessionImpl s = new SessionImpl(ss.id(), ss.clientId(), ss.endpoint(), ss.address(), v6 == null ? 0 : v6.high(),
						v6 == null ? 0 : v6.low(), Instant.ofEpochMilli(ss.since()), now, share);
				s.rx.restore(ss.rxPackets(), ss.rxBytes(), ss.rxLast());
				s.tx.restore(ss.txPackets(), ss.txBytes(), ss.txLast());
				s.drops(ss.drops());
				leases.limits().opened(s.endpoint());
				index.add(s);
				leases.restore(key, ss.address(), v6, Long.MAX_VALUE, true);
				resumed++;
			} else {
				// a restart: the client is told to handshake again and gets its address back (an
				// anonymous one only from the same endpoint, within the recent window: its session
				// did not end, the gateway went away)
				recent.put(ss.endpoint(), savedAt);
				long expires = savedAt + (ss.clientId() != null ? leaseMillis : recentMillis);
				leases.restore(key, ss.address(), v6, expires, false);
			}
		}
		log.info("Restored from {}: {} live sessions resumed, {} leases, {} recent endpoints", file.path(), resumed, leases.size(),
				recent.size());
		return Math.max(1, state.nextId());
	}

	/** The saved IPv6 address, null for none or for text that is not one. */
	private static IpAddress address6(String text) {
		if (text == null) {
			return null;
		}
		try {
			IpAddress a = IpAddress.parse(text);
			return a.isIpv6() ? a : null;
		} catch (IllegalArgumentException e) {
			return null;
		}
	}

	/**
	 * Whether a saved session's IPv6 address (null: none) can be resumed: the session had none and
	 * IPv6 is off, or it fits the IPv6 pool. Otherwise the client must handshake again to
	 * learn its addresses.
	 */
	private boolean fits6(IpAddress v6) {
		AddressPool6 p6 = leases.pool6();
		return v6 == null ? p6 == null : p6 != null && p6.restorable(v6.high(), v6.low());
	}

	private static <T> List<T> nullSafe(List<T> list) {
		return list == null ? List.of() : list;
	}
}
