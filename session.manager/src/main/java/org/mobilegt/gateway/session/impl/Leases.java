package org.mobilegt.gateway.session.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.Lease;
import org.mobilegt.gateway.session.api.Pool;
import org.mobilegt.gateway.session.api.SessionRefusedException;

/**
 * The address pool and its leases: a client id's address stays reserved for it for the lease time
 * after its session ended (sticky), an anonymous client's (keyed by endpoint) only while its
 * session lives. Also the per-source limits on sessions and fresh leases. Written under the
 * registry's lock; the lease map is concurrent so that persistence copies it without the lock.
 */
final class Leases {

	/** A lease. Written under the registry's lock, read without. */
	static final class LeaseState {
		final int address;
		volatile long expires;
		volatile boolean live;

		LeaseState(int address, long expires, boolean live) {
			this.address = address;
			this.expires = expires;
			this.live = live;
		}
	}

	private final Map<String, LeaseState> leases = new ConcurrentHashMap<>();
	private final SourceLimits limits = new SourceLimits();
	private volatile AddressPool pool;

	static String key(String clientId, long endpoint) {
		return clientId != null ? "id:" + clientId : "ep:" + endpoint;
	}

	SourceLimits limits() {
		return limits;
	}

	/** The pool, or null before the TUN device gave the subnet. */
	AddressPool pool() {
		return pool;
	}

	/** Replaces the pool; leases outside the new one end (the caller closed their sessions). */
	void repool(AddressPool next) {
		leases.values().removeIf(l -> !next.leasable(l.address));
		leases.values().forEach(l -> next.take(l.address));
		pool = next;
	}

	/**
	 * The address for a session of lease key {@code key} from {@code endpoint}: the one an
	 * authenticator {@code requested} (0 for none), the client's own lease when free, else a fresh
	 * one. Takes it and marks the lease live.
	 *
	 * @param inUse whether a live session holds an address
	 */
	int assign(String key, long endpoint, int requested, long now, long leaseMillis, IntPredicate inUse)
			throws SessionRefusedException {
		AddressPool p = pool;
		LeaseState lease = leases.get(key);
		int address;
		if (requested != 0) {
			address = framed(p, key, lease, requested, inUse);
		} else if (lease != null && p.leasable(lease.address) && !inUse.test(lease.address)) {
			address = lease.address;
		} else {
			limits.checkNewLease(endpoint, now);
			OptionalInt fresh = p.allocate();
			if (fresh.isEmpty()) {
				expire(now);
				fresh = p.allocate();
			}
			if (fresh.isEmpty()) {
				throw new SessionRefusedException("address pool exhausted: all " + p.size() + " addresses of " + p.cidr()
						+ " are leased or reserved (leaseMinutes=" + TimeUnit.MILLISECONDS.toMinutes(leaseMillis) + ")");
			}
			address = fresh.getAsInt();
			limits.newLease(endpoint, now);
		}
		p.take(address);
		leases.put(key, new LeaseState(address, Long.MAX_VALUE, true));
		return address;
	}

	/**
	 * The address an authenticator assigned (RADIUS Framed-IP-Address): it must lie in the pool and
	 * be free of live sessions; a stale lease of another client on it gives way, and the client's
	 * own lease on another address is released.
	 */
	private int framed(AddressPool p, String key, LeaseState own, int requested, IntPredicate inUse) throws SessionRefusedException {
		if (!p.leasable(requested)) {
			throw new SessionRefusedException("assigned address " + IpAddress.formatIpv4(requested) + " is outside the client subnet "
					+ p.cidr() + " or reserved");
		}
		leases.entrySet().removeIf(e -> e.getValue().address == requested && !e.getKey().equals(key));
		if (own != null && own.address != requested && !inUse.test(own.address)) {
			p.release(own.address);
		}
		return requested;
	}

	/**
	 * A session ended: a client id's lease stays reserved until {@code now + leaseMillis}, an
	 * anonymous one's address returns to the pool.
	 */
	void ended(String clientId, long endpoint, int address, long now, long leaseMillis) {
		String key = key(clientId, endpoint);
		if (clientId == null) {
			AddressPool p = pool;
			if (leases.remove(key) != null && p != null) {
				p.release(address);
			}
		} else {
			LeaseState lease = leases.get(key);
			if (lease != null) {
				lease.expires = now + leaseMillis;
				lease.live = false;
			}
		}
	}

	/** Ends the reservations that ran out; whether any did. */
	boolean expire(long now) {
		AddressPool p = pool;
		return leases.values().removeIf(l -> {
			if (!l.live && l.expires <= now) {
				if (p != null) {
					p.release(l.address);
				}
				return true;
			}
			return false;
		});
	}

	/** Puts back a saved reservation that has not run out and still fits the pool. */
	void restoreReserved(String key, int address, long expires) {
		AddressPool p = pool;
		if (p == null || p.leasable(address)) {
			leases.put(key, new LeaseState(address, expires, false));
			if (p != null) {
				p.take(address);
			}
		}
	}

	/** Puts back a lease unconditionally: a resumed session's (live) or a restart's hint. */
	void restore(String key, int address, long expires, boolean live) {
		leases.put(key, new LeaseState(address, expires, live));
		if (pool != null) {
			pool.take(address);
		}
	}

	int size() {
		return leases.size();
	}

	/** The pool's figures and its live and reserved leases; {@code live} sessions. */
	Pool view(int live, long now) {
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
		AddressPool p = pool;
		return p == null ? new Pool("(no TUN device yet)", 0, 0, 0, List.of()) : new Pool(p.cidr(), p.size(), live, reserved, list);
	}

	/** The leases as saved: a live one never expires. Any thread. */
	List<SavedState.SavedLease> saved() {
		List<SavedState.SavedLease> saved = new ArrayList<>(leases.size());
		leases.forEach((k, l) -> saved.add(new SavedState.SavedLease(k, l.address, l.live ? Long.MAX_VALUE : l.expires)));
		return saved;
	}
}
