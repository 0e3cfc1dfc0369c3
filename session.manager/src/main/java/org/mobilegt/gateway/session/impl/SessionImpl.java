package org.mobilegt.gateway.session.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;

import org.mobilegt.gateway.session.api.Session;

/**
 * A live session. Counters are updated lock-free; the two directions live in separate objects,
 * padded so that the receive thread and the send thread never write the same cache line.
 */
final class SessionImpl implements Session {

	/** One direction's counters, padded to a cache line of its own. */
	static final class Counters {
		private static final VarHandle PACKETS;
		private static final VarHandle BYTES;
		static {
			try {
				MethodHandles.Lookup l = MethodHandles.lookup();
				PACKETS = l.findVarHandle(Counters.class, "packets", long.class);
				BYTES = l.findVarHandle(Counters.class, "bytes", long.class);
			} catch (ReflectiveOperationException e) {
				throw new ExceptionInInitializerError(e);
			}
		}
		long p0, p1, p2, p3, p4, p5, p6;
		volatile long packets;
		volatile long bytes;
		volatile long lastMillis;
		long q0, q1, q2, q3, q4, q5, q6;

		/** Data packets count in packets and bytes; control datagrams only show the client is alive. */
		void add(int size, boolean data, long now) {
			if (data) {
				PACKETS.getAndAdd(this, 1L);
				BYTES.getAndAdd(this, (long) size);
			}
			lastMillis = now;
		}

		/** Adds the counts of {@code earlier} beyond these (none when it counted less). */
		void carry(long packets, long bytes, long lastMillis) {
			if (packets > 0) {
				PACKETS.getAndAdd(this, packets);
			}
			if (bytes > 0) {
				BYTES.getAndAdd(this, bytes);
			}
			this.lastMillis = Math.max(this.lastMillis, lastMillis);
		}

		void restore(long packets, long bytes, long lastMillis) {
			this.packets = packets;
			this.bytes = bytes;
			this.lastMillis = lastMillis;
		}
	}

	/** The per-client share, one object for all sessions so that a change applies to each at once. */
	static final class Share {
		volatile int packetsPerSecond;
	}

	private static final VarHandle DROPS;
	static {
		try {
			DROPS = MethodHandles.lookup().findVarHandle(SessionImpl.class, "drops", long.class);
		} catch (ReflectiveOperationException e) {
			throw new ExceptionInInitializerError(e);
		}
	}

	private final long id;
	private final String clientId;
	private final int address;
	private final long hi6;
	private final long lo6;
	private final Instant since;
	private final Share share;
	// token bucket, guarded by this: a dual-stack client's two families may reach two uplink threads
	private double tokens = -1;
	private long refilledNanos;
	final Counters rx = new Counters();
	final Counters tx = new Counters();
	private volatile long endpoint;
	private volatile long drops;
	private volatile boolean live = true;

	/** An IPv4-only session. */
	SessionImpl(long id, String clientId, long endpoint, int address, Instant since, long nowMillis, Share share) {
		this(id, clientId, endpoint, address, 0, 0, since, nowMillis, share);
	}

	/** A session with IPv6 tunnel address {@code hi6:lo6} too (0/0: none). */
	SessionImpl(long id, String clientId, long endpoint, int address, long hi6, long lo6, Instant since, long nowMillis, Share share) {
		this.id = id;
		this.hi6 = hi6;
		this.lo6 = lo6;
		this.share = share;
		this.clientId = clientId;
		this.endpoint = endpoint;
		this.address = address;
		this.since = since;
		rx.lastMillis = nowMillis;
		tx.lastMillis = nowMillis;
	}

	@Override
	public long id() {
		return id;
	}

	@Override
	public String clientId() {
		return clientId;
	}

	@Override
	public long endpoint() {
		return endpoint;
	}

	void endpoint(long endpoint) {
		this.endpoint = endpoint;
	}

	@Override
	public int tunnelAddress() {
		return address;
	}

	@Override
	public long tunnelAddress6Hi() {
		return hi6;
	}

	@Override
	public long tunnelAddress6Lo() {
		return lo6;
	}

	boolean has6() {
		return hi6 != 0 || lo6 != 0;
	}

	@Override
	public Instant since() {
		return since;
	}

	@Override
	public long lastReceivedMillis() {
		return rx.lastMillis;
	}

	@Override
	public long lastSentMillis() {
		return tx.lastMillis;
	}

	@Override
	public boolean live() {
		return live;
	}

	void end() {
		live = false;
	}

	@Override
	public void received(int bytes, boolean data, long nowMillis) {
		rx.add(bytes, data, nowMillis);
	}

	@Override
	public void sent(int bytes, boolean data, long nowMillis) {
		tx.add(bytes, data, nowMillis);
	}

	@Override
	public boolean admit() {
		int rate = share.packetsPerSecond;
		return rate <= 0 || take(rate);
	}

	private synchronized boolean take(int rate) {
		long now = System.nanoTime();
		tokens = tokens < 0 ? rate : Math.min(rate, tokens + (now - refilledNanos) * 1e-9 * rate);
		refilledNanos = now;
		if (tokens >= 1) {
			tokens -= 1;
			return true;
		}
		return false;
	}

	@Override
	public void dropped() {
		DROPS.getAndAdd(this, 1L);
	}

	@Override
	public void carry(Session earlier) {
		rx.carry(earlier.rxPackets() - rx.packets, earlier.rxBytes() - rx.bytes, earlier.lastReceivedMillis());
		tx.carry(earlier.txPackets() - tx.packets, earlier.txBytes() - tx.bytes, earlier.lastSentMillis());
		long more = earlier.drops() - drops;
		if (more > 0) {
			DROPS.getAndAdd(this, more);
		}
	}

	void drops(long drops) {
		this.drops = drops;
	}

	@Override
	public long rxPackets() {
		return rx.packets;
	}

	@Override
	public long rxBytes() {
		return rx.bytes;
	}

	@Override
	public long txPackets() {
		return tx.packets;
	}

	@Override
	public long txBytes() {
		return tx.bytes;
	}

	@Override
	public long drops() {
		return drops;
	}
}
