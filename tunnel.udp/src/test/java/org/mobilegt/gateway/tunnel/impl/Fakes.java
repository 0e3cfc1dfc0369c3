package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Verdict;
import org.mobilegt.gateway.security.api.IllegalAttempt;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.mobilegt.gateway.session.api.CloseReason;
import org.mobilegt.gateway.session.api.Pool;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.session.api.SessionRefusedException;
import org.mobilegt.gateway.tun.api.TunDevice;

/** In-memory stand-ins for the services the tunnel binds, so its data path runs without root. */
final class Fakes {

	private Fakes() {
	}

	/** A session whose counters and share are plain fields. */
	static final class FakeSession implements Session {
		final long endpoint;
		final int address;
		final AtomicLong rxPackets = new AtomicLong();
		final AtomicLong rxBytes = new AtomicLong();
		final AtomicLong txPackets = new AtomicLong();
		final AtomicLong txBytes = new AtomicLong();
		final AtomicLong drops = new AtomicLong();
		volatile long lastReceived;
		volatile long lastSent;
		/** Data packets still within the share; negative: no limit. */
		final AtomicInteger share = new AtomicInteger(-1);

		FakeSession(long endpoint, int address) {
			this.endpoint = endpoint;
			this.address = address;
		}

		@Override public long id() { return address; }
		@Override public String clientId() { return null; }
		/** The IPv6 lease (both 0: none), see {@link FakeSessions#add6}. */
		volatile long hi;
		volatile long lo;

		@Override public long tunnelAddress6Hi() { return hi; }
		@Override public long tunnelAddress6Lo() { return lo; }
		@Override public long endpoint() { return endpoint; }
		@Override public int tunnelAddress() { return address; }
		@Override public Instant since() { return Instant.EPOCH; }
		@Override public long lastReceivedMillis() { return lastReceived; }
		@Override public long lastSentMillis() { return lastSent; }
		@Override public boolean live() { return true; }

		@Override
		public void received(int bytes, boolean data, long nowMillis) {
			lastReceived = nowMillis;
			if (data) {
				rxPackets.incrementAndGet();
				rxBytes.addAndGet(bytes);
			}
		}

		@Override
		public void sent(int bytes, boolean data, long nowMillis) {
			lastSent = nowMillis;
			if (data) {
				txPackets.incrementAndGet();
				txBytes.addAndGet(bytes);
			}
		}

		@Override
		public boolean admit() {
			return share.get() < 0 || share.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
		}

		@Override public void dropped() { drops.incrementAndGet(); }

		@Override
		public void carry(Session earlier) {
			rxPackets.addAndGet(Math.max(0, earlier.rxPackets() - rxPackets.get()));
			rxBytes.addAndGet(Math.max(0, earlier.rxBytes() - rxBytes.get()));
			txPackets.addAndGet(Math.max(0, earlier.txPackets() - txPackets.get()));
			txBytes.addAndGet(Math.max(0, earlier.txBytes() - txBytes.get()));
			drops.addAndGet(Math.max(0, earlier.drops() - drops.get()));
		}
		@Override public long rxPackets() { return rxPackets.get(); }
		@Override public long rxBytes() { return rxBytes.get(); }
		@Override public long txPackets() { return txPackets.get(); }
		@Override public long txBytes() { return txBytes.get(); }
		@Override public long drops() { return drops.get(); }
	}

	/** Sessions in two maps; handshakes lease 10.77.0.2, .3, ... */
	static final class FakeSessions implements SessionManager {
		final Map<Long, FakeSession> byEndpoint = new ConcurrentHashMap<>();
		final Map<Integer, FakeSession> byAddress = new ConcurrentHashMap<>();
		final Map<Long, FakeSession> byAddress6 = new ConcurrentHashMap<>();
		final Set<Long> recentlyClosed = ConcurrentHashMap.newKeySet();
		/** When set, open() refuses with it. */
		volatile SessionRefusedException refusal;
		/** What the tunnel last said to {@link #spreadLeases}. */
		volatile int ways = 1;
		private final AtomicInteger next = new AtomicInteger(0x0A4D0002);

		FakeSession add(long endpoint, int address) {
			FakeSession s = new FakeSession(endpoint, address);
			byEndpoint.put(endpoint, s);
			byAddress.put(address, s);
			return s;
		}

		/** Gives {@code s} the IPv6 lease {@code hi:lo}. */
		FakeSession add6(FakeSession s, long hi, long lo) {
			s.hi = hi;
			s.lo = lo;
			byAddress6.put(lo, s);
			return s;
		}

		@Override
		public Session open(long endpoint, String clientId) throws SessionRefusedException {
			return open(endpoint, clientId, 0);
		}

		@Override
		public Session open(long endpoint, String clientId, int requestedAddress) throws SessionRefusedException {
			if (refusal != null) {
				throw refusal;
			}
			FakeSession s = byEndpoint.get(endpoint);
			return s != null ? s : add(endpoint, requestedAddress != 0 ? requestedAddress : next.getAndIncrement());
		}

		@Override public Session byEndpoint(long endpoint) { return byEndpoint.get(endpoint); }
		@Override public Session byTunnelAddress(int address) { return byAddress.get(address); }
		@Override public boolean recentlyClosed(long endpoint) { return recentlyClosed.contains(endpoint); }

		@Override
		public void close(Session session, CloseReason reason) {
			byEndpoint.remove(session.endpoint());
			byAddress.remove(session.tunnelAddress());
		}

		@Override
		public Session byTunnelAddress6(long hi, long lo) {
			FakeSession s = byAddress6.get(lo);
			return s != null && s.hi == hi ? s : null;
		}
		@Override public void legacyIdleTimeout(int seconds) { }
		@Override public void spreadLeases(int ways) { this.ways = ways; }
		@Override public Collection<Session> sessions() { return List.copyOf(byEndpoint.values()); }
		@Override public Optional<Session> find(String idOrAddress) { return Optional.empty(); }
		@Override public Pool pool() { return new Pool("10.77.0.0/16", 65534, byAddress.size(), 0, List.of()); }
	}

	/**
	 * A TUN device backed by queues: {@link #toRead} feeds reads (with the offload header when it
	 * has one), {@link #written} keeps every write; writes fail while {@link #failWrites} is set.
	 */
	static class FakeTun implements TunDevice {
		final BlockingQueue<byte[]> toRead = new LinkedBlockingQueue<>();
		final List<byte[]> written = new CopyOnWriteArrayList<>();
		/** The timeout of every read, in order. */
		final List<Integer> readTimeouts = new CopyOnWriteArrayList<>();
		final int offloadHeader;
		volatile int mtu = 1400;
		/** Queues reported; every queue reads from {@link #toRead}. */
		volatile int queues = 1;
		volatile boolean failWrites;
		volatile boolean closed;

		FakeTun(int offloadHeader) {
			this.offloadHeader = offloadHeader;
		}

		@Override public String name() { return "fake0"; }
		@Override public int mtu() { return mtu; }
		@Override public String subnet() { return "10.77.0.0/16"; }
		@Override public int queues() { return queues; }
		@Override public int offloadHeader() { return offloadHeader; }

		@Override
		public int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
			readTimeouts.add(timeoutMillis);
			if (closed) {
				return -1;
			}
			byte[] p;
			try {
				p = timeoutMillis == 0 ? toRead.poll() : toRead.poll(timeoutMillis, TimeUnit.MILLISECONDS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return 0;
			}
			if (p == null) {
				return closed ? -1 : 0;
			}
			dst.put(p);
			return p.length;
		}

		@Override
		public int write(ByteBuffer src) throws IOException {
			if (failWrites || closed) {
				throw new IOException("write refused (fake)");
			}
			byte[] p = new byte[src.remaining()];
			src.get(p);
			written.add(p);
			return p.length;
		}

		/** The IP packets written, without the offload header. */
		List<ByteBuffer> packets() {
			List<ByteBuffer> out = new ArrayList<>();
			for (byte[] w : written) {
				out.add(ByteBuffer.wrap(w, offloadHeader, w.length - offloadHeader).slice());
			}
			return out;
		}
	}

	/** A TUN device whose writes wait until {@link #release} opens; {@link #writing} opens at the first. */
	static final class HeldTun extends FakeTun {
		final CountDownLatch writing = new CountDownLatch(1);
		final CountDownLatch release = new CountDownLatch(1);

		HeldTun() {
			super(0);
		}

		@Override
		public int write(ByteBuffer src) throws IOException {
			writing.countDown();
			try {
				release.await();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			return super.write(src);
		}
	}

	/**
	 * Accepts the key "secret"; blocks the addresses in {@link #blocked}; as the security log,
	 * records what the tunnel reports.
	 */
	static final class FakeKeyCheck implements KeyCheck, SecurityLog {
		final List<String> records = new CopyOnWriteArrayList<>();
		final Set<InetAddress> blocked = new HashSet<>();
		final AtomicInteger checks = new AtomicInteger();
		/** When set, every handshake is refused for it. */
		volatile Reason refuseWith;

		@Override
		public Verdict check(InetAddress address, int port, ByteBuffer payload) {
			checks.incrementAndGet();
			byte[] key = new byte[payload.remaining()];
			payload.get(payload.position(), key);
			Reason refusal = refuseWith != null ? refuseWith : new String(key).equals("secret") ? null : Reason.BAD_KEY;
			return new Verdict(refusal, null);
		}

		@Override public boolean blocked(InetAddress address) { return blocked.contains(address); }

		@Override
		public void record(InetAddress address, int port, Reason reason, String detail) {
			records.add(reason + " " + address.getHostAddress() + ":" + port + " " + detail);
		}

		@Override public void ban(InetAddress address, String clientId, Duration duration) { }
		@Override public List<IllegalAttempt> illegalAttempts(int max) { return List.of(); }
		@Override public Map<Reason, Long> counts() { return Map.of(); }
		@Override public boolean keyConfigured() { return true; }
	}
}
