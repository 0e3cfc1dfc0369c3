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
 * The address pools and their leases: a client id's addresses (IPv4, and IPv6 while it is on) stay
 * reserved for it for the lease time after its session ended (sticky), an anonymous client's
 * (keyed by endpoint) only while its session lives. Also the per-source limits on sessions and
 * fresh leases. Written under the registry's lock; the lease map is concurrent so that
 * persistence copies it without the lock.
 */
final class Leases {

	/** A lease: its IPv4 address and its IPv6 one (0/0: none). Written under the registry's lock, read without. */
	static final class LeaseState {
		final int address;
		final long hi6;
		final long lo6;
		volatile long expires;
		volatile boolean live;

		LeaseState(int address, long hi6, long lo6, long expires, boolean live) {
			this.address = address;
			this.hi6 = hi6;
			this.lo6 = lo6;
			this.expires = expires;
			this.live = live;
		}

		boolean has6() {
			return hi6 != 0 || lo6 != 0;
		}

		/** The IPv6 address, or null. */
		IpAddress address6() {
			return has6() ? IpAddress.ofIpv6(hi6, lo6) : null;
		}
	}

	private final Map<String, LeaseState> leases = new ConcurrentHashMap<>();
	private final SourceLimits limits = new SourceLimits();
	private volatile AddressPool pool;
	private volatile AddressPool6 pool6;
	private int ways = 1; // AddressPool#spread, kept for the next pool

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

	/** The IPv6 pool, or null while IPv6 is off. */
	AddressPool6 pool6() {
		return pool6;
	}

	/** Replaces the pool; leases outside the new one end (the caller closed their sessions). */
	void repool(AddressPool next) {
		AddressPool6 p6 = pool6;
		leases.values().removeIf(l -> {
			if (!next.leasable(l.address)) {
				if (p6 != null && l.has6()) {
					p6.release(l.hi6, l.lo6);
				}
				return true;
			}
			return false;
		});
		leases.values().forEach(l -> next.take(l.address));
		next.spread(ways);
		pool = next;
	}

	/** Spreads fresh IPv4 leases over {@code ways} residue classes, in this pool and the next ones ({@link AddressPool#spread}). */
	void spread(int ways) {
		AddressPool p = pool;
		if (p != null && p.ways() != ways) {
			p.spread(ways);
		}
		this.ways = ways;
	}

	/**
	 * Replaces the IPv6 pool ({@code next} null: IPv6 off); leases keep their IPv4 address but
	 * lose an IPv6 one outside the new pool (the caller closed their sessions).
	 */
	void repool6(AddressPool6 next) {
		leases.replaceAll((k, l) -> !l.has6() || next != null && next.leasable(l.hi6, l.lo6) ? l
				: new LeaseState(l.address, 0, 0, l.expires, l.live));
		if (next != null) {
			leases.values().forEach(l -> {
				if (l.has6()) {
					next.take(l.hi6, l.lo6);
				}
			});
		}
		pool6 = next;
	}

	/**
	 * The address for a session of lease key {@code key} from {@code endpoint}: the one an
	 * authenticator {@code requested} (0 for none), the client's own lease when free, else a fresh
	 * one; and likewise an IPv6 address when IPv6 is on. Takes them and marks the lease live.
	 *
	 * @param inUse whether a live session holds an address
	 */
	LeaseState assign(String key, long endpoint, int requested, long now, long leaseMillis, IntPredicate inUse)
			throws SessionRefusedException {
		AddressPool p = pool;
		LeaseState lease = leases.get(key);
		IpAddress v6 = address6(lease, now);
		int address;
		try {
			address = address(p, key, lease, endpoint, requested, now, leaseMillis, inUse);
		} catch (SessionRefusedException e) {
			if (v6 != null && (lease == null || !v6.equals(lease.address6()))) {
				pool6.release(v6.high(), v6.low());
			}
			throw e;
		}
		p.take(address);
		LeaseState assigned = v6 == null ? new LeaseState(address, 0, 0, Long.MAX_VALUE, true)
				: new LeaseState(address, v6.high(), v6.low(), Long.MAX_VALUE, true);
		leases.put(key, assigned);
		return assigned;
	}

	private int address(AddressPool p, String key, LeaseState lease, long endpoint, int requested, long now, long leaseMillis,
			IntPredicate inUse) throws SessionRefusedException {
		if (requested != 0) {
			return framed(p, key, lease, requested, inUse);
		}
		if (lease != null && p.leasable(lease.address) && !inUse.test(lease.address)) {
			return lease.address;
		}
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
		limits.newLease(endpoint, now);
		return fresh.getAsInt();
	}

	/**
	 * The lease's own IPv6 address when it still fits the pool, else a fresh one (taken); null while
	 * IPv6 is off. Comes before the IPv4 address, which has a per-source limit: both are new
	 * together, one limit counts them.
	 */
	private IpAddress address6(LeaseState lease, long now) throws SessionRefusedException {
		AddressPool6 p6 = pool6;
		if (p6 == null) {
			return null;
		}
		if (lease != null && lease.has6() && p6.leasable(lease.hi6, lease.lo6)) {
			return lease.address6();
		}
		IpAddress v6 = p6.allocate();
		if (v6 == null) {
			expire(now);
			v6 = p6.allocate();
		}
		if (v6 == null) {
			throw new SessionRefusedException("IPv6 address pool exhausted: all " + p6.size() + " addresses of " + p6.cidr()
					+ " are leased or reserved");
		}
		return v6;
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
		leases.entrySet().removeIf(e -> {
			if (e.getValue().address == requested && !e.getKey().equals(key)) {
				release6(e.getValue()); // its IPv6 address goes with it
				return true;
			}
			return false;
		});
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
			LeaseState lease = leases.remove(key);
			if (lease != null && p != null) {
				p.release(address);
			}
			release6(lease);
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
				release6(l);
				return true;
			}
			return false;
		});
	}

	/**
	 * Puts back a saved reservation that has not run out and still fits the pool; its IPv6 address
	 * ({@code address6} null: none, an old state file) only when it fits the IPv6 pool.
	 */
	void restoreReserved(String key, int address, IpAddress address6, long expires) {
		AddressPool p = pool;
		if (p == null || p.leasable(address)) {
			restore(key, address, address6, expires, false);
		}
	}

	/** Puts back a lease: a resumed session's (live) or a restart's hint. */
	void restore(String key, int address, IpAddress address6, long expires, boolean live) {
		AddressPool6 p6 = pool6;
		boolean keep6 = address6 != null && address6.isIpv6() && p6 != null && p6.restorable(address6.high(), address6.low());
		leases.put(key, keep6 ? new LeaseState(address, address6.high(), address6.low(), expires, live)
				: new LeaseState(address, 0, 0, expires, live));
		if (pool != null) {
			pool.take(address);
		}
		if (keep6) {
			p6.take(address6.high(), address6.low());
		}
	}

	private void release6(LeaseState l) {
		AddressPool6 p6 = pool6;
		if (l != null && l.has6() && p6 != null) {
			p6.release(l.hi6, l.lo6);
		}
	}

	int size() {
		return leases.size();
	}

	/** The pool's figures and its live and reserved leases; {@code live} sessions. */
	Pool view(int live, long now) {
		List<Lease> list = new ArrayList<>();
		int reserved = 0;
		int live6 = 0;
		int reserved6 = 0;
		for (Map.Entry<String, LeaseState> e : leases.entrySet()) {
			LeaseState l = e.getValue();
			if (!l.live && l.expires <= now) {
				continue;
			}
			if (!l.live) {
				reserved++;
			}
			if (l.has6()) {
				if (l.live) {
					live6++;
				} else {
					reserved6++;
				}
			}
			String id = e.getKey().startsWith("id:") ? e.getKey().substring(3) : null;
			list.add(new Lease(id, l.address, l.live, l.live ? null : Instant.ofEpochMilli(l.expires), l.address6()));
		}
		list.sort((a, b) -> Integer.compareUnsigned(a.address(), b.address()));
		AddressPool p = pool;
		if (p == null) {
			return new Pool("(no TUN device yet)", 0, 0, 0, List.of());
		}
		AddressPool6 p6 = pool6;
		return p6 == null ? new Pool(p.cidr(), p.size(), live, reserved, list)
				: new Pool(p.cidr(), p.size(), live, reserved, list, p6.cidr(), p6.size(), live6, reserved6);
	}

	/** The leases as saved: a live one never expires. Any thread. */
	List<SavedState.SavedLease> saved() {
		List<SavedState.SavedLease> saved = new ArrayList<>(leases.size());
		leases.forEach((k, l) -> saved.add(new SavedState.SavedLease(k, l.address, l.live ? Long.MAX_VALUE : l.expires,
				l.has6() ? l.address6().toString() : null)));
		return saved;
	}
}
