package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.osgi.service.log.Logger;

/**
 * The UDP to TUN direction: receives datagrams in batches and writes each client's IP packets to
 * the TUN device, after checking the sender has a session and the packet's source is its lease
 * of that family ({@link Decisions}). Handshakes go to {@link Control}; keepalives and datagrams from unknown
 * endpoints are handled here. A malformed datagram is counted and dropped; nothing a client sends
 * stops this thread. With TUN offloads, a batch's consecutive packets of one TCP or UDP flow are
 * written as one ({@link Coalescer}). A message in which the kernel merged several datagrams (UDP GRO)
 * is taken apart first ({@link GroSegments}). A packet counts as forwarded once its TUN write returned.
 * <p>
 * While it has the TUN device's {@link Turn} (low load) it also does the TUN to UDP direction, like
 * a one-thread relay: one wait for the socket and the TUN, the TUN's packets read without waiting
 * and sent through its own {@link DownlinkPath}, right after a write while that finds replies
 * ({@link ReplyProbe}). A full batch of either direction gives the turn back to the downlink thread.
 */
final class UplinkPump implements Runnable {

	static final int BATCH = 32;
	static final int SLOT = 65536;
	private static final int POLL_MILLIS = 250;
	private static final long QUIESCE_NANOS = 500_000_000L;

	private final Bindings.Cell bound;
	private final UdpSocket socket;
	private final TunnelMetrics metrics;
	private final PumpCounters counters;
	private final TunnelMetrics.Sampler latency;
	private final Control control;
	private final UplinkReports reports;
	/** Datagrams land behind room for a virtio_net_hdr (left zero), in case the TUN device wants one. */
	private final MessageBatch batch = new MessageBatch(BATCH, SLOT, Offload.HEADER);
	private final ControlSender sender = new ControlSender();
	private final Coalescer coalescer = new Coalescer(this::write);
	private final GroSegments segments = new GroSegments(Offload.HEADER);
	private final BatchGate gate = new BatchGate();
	/** The newest device's turn, and the kick that wakes this pump when it gets it (null: never). */
	private final Supplier<Turn> turns;
	private final Kick kick;
	/** The uplink's own TUN to UDP path: no buffer, counter or sampler shared with a downlink thread. */
	private final DownlinkPath replies;
	private final ReplyProbe probe = new ReplyProbe();
	/** Packets the last TUN drain read (0 or 1: low load, see {@link #readTun}). */
	private int lastRead;
	private volatile boolean running = true;
	/** How long a wait lasts at most; {@link #waitMillis(int)}. */
	private int waitMillis = POLL_MILLIS;
	private long sequence;
	// the current batch: its snapshot, TUN device, offload header, clock and timed packet held for coalescing
	private Bindings b = Bindings.NONE;
	private TunDevice tun;
	private int header;
	private long now;
	private long batchStart;
	private boolean heldSample;
	/** The last receive wrote to the TUN device. */
	private boolean wrote;

	/** The pump of uplink socket {@code index} that never reads the TUN device. */
	UplinkPump(Bindings.Cell bound, UdpSocket socket, int index, TunnelMetrics metrics, Control control, Logger log) {
		this(bound, socket, index, metrics, control, log, () -> Turn.NONE, null);
	}

	UplinkPump(Bindings.Cell bound, UdpSocket socket, int index, TunnelMetrics metrics, Control control, Logger log,
			Supplier<Turn> turns, Kick kick) {
		this.bound = bound;
		this.turns = turns;
		this.kick = kick;
		this.replies = new DownlinkPath(bound, metrics.turn, metrics.turnSampler());
		this.socket = socket;
		this.metrics = metrics;
		this.counters = metrics.uplink[index];
		this.latency = metrics.sampler(Direction.FROM_CLIENT);
		this.control = control;
		this.reports = new UplinkReports(log);
	}

	@Override
	public void run() {
		boolean drained = false;
		while (running) {
			drained = pass(drained);
		}
	}

	/**
	 * One wait (unless the last pass left work) and what it found; whether it emptied what it read.
	 * A method of its own, which the JIT compiles on its calls: a loop in {@link #run()} stays
	 * interpreted at a low packet rate until an on-stack replacement, minutes later.
	 */
	private boolean pass(boolean drained) {
		try {
			Turn turn = turns.get();
			boolean tunMine = turn.uplinkReads();
			boolean socketReady = true;
			boolean tunReady = tunMine;
			if (kick != null) {
				socket.watch(tunMine ? turn : null, kick); // a TUN the downlink reads must not wake this thread
			}
			if (drained) {
				Wakeup.Ready ready = socket.awaitReadable(waitMillis);
				if (ready == Wakeup.Ready.CLOSED) {
					running = false;
					return true;
				}
				if (kick != null && socket.ready(2)) {
					kick.clear(); // before the role is read again: a later kick stays raised
				}
				socketReady = socket.ready(0);
				tunReady = tunMine && socket.ready(1);
			}
			// A short batch emptied the socket: wait next rather than ask it again first.
			int received = socketReady ? receive() : 0;
			boolean early = tunMine && !tunReady && received > 0 && wrote && probe.due();
			int read = tunReady || early ? readTun(turn, early) : 0;
			if (early) {
				probe.found(read > 0);
			}
			boolean emptied = received < BATCH && read < BATCH;
			if (tunMine && !emptied) {
				turn.toDownlink(); // high load: a thread for each direction
			}
			return emptied;
		} catch (IOException | RuntimeException e) {
			reports.error("UDP receive failed", e);
			return true; // never spin on a failing socket
		}
	}

	/**
	 * Reads what the TUN device holds, without waiting, at most a batch, and sends it on: the
	 * device of {@code turn} while the turn is this pump's, checked inside the batch gate (so an
	 * unbind that quiesced this pump is never read from after). A closed device gives the turn back.
	 * When the last drain read at most one packet, the first is sent before the next read (at low
	 * load that read finds nothing; a lone reply need not wait for it), and after a read right
	 * after a write ({@code probing}) the pump waits instead: the wait reports a second reply at
	 * once, and a lone one costs no empty read.
	 *
	 * @return how many packets it read; {@link #BATCH} after a bulk segment ({@link Turn#BULK_BYTES})
	 */
	private int readTun(Turn turn, boolean probing) {
		int read = 0;
		gate.enter();
		try {
			while (read < BATCH && turn.uplinkReads()) {
				int n = replies.step(turn.tun, 0, 0);
				if (n <= 0) {
					if (n < 0) {
						turn.toDownlink(); // it ends as it reads -1 too
					}
					break;
				}
				read = n >= Turn.BULK_BYTES ? BATCH : read + 1;
				if (read == 1 && lastRead <= 1) {
					replies.flush();
					if (probing) {
						break;
					}
				}
			}
			lastRead = read;
		} catch (IOException | RuntimeException e) {
			reports.error("Read from the TUN device failed", e);
		} finally {
			replies.flush();
			gate.leave();
		}
		return read;
	}

	/** Receives one batch without waiting and handles it; how many datagrams it held. */
	int receive() throws IOException {
		wrote = false;
		int n = batch.receive(socket);
		if (n == 0) {
			return 0;
		}
		gate.enter();
		try {
			batchStart = System.nanoTime();
			now = System.currentTimeMillis();
			b = bound.get();
			tun = b.tun();
			header = tun == null || tun.offloadHeader() == 0 ? 0 : Offload.HEADER;
			for (int i = 0; i < n; i++) {
				int size = batch.segmentSize(i);
				if (size > 0 && size < batch.length(i) && !batch.truncated(i)) {
					merged(i, size);
				} else {
					datagram(batch.endpoint(i), batch.received(i), batch.truncated(i));
				}
			}
			writeHeld(); // before the next receive overwrites them
			if (heldSample) {
				heldSample = false;
				latency.record(System.nanoTime() - batchStart);
			}
		} finally {
			tun = null; // no reference to a device that may go away between batches
			gate.leave();
		}
		return n;
	}

	/** Message {@code i} holds datagrams of one sender ({@link GroSegments}), each handled as if it came alone. */
	private void merged(int i, int size) {
		if (!segments.fits(batch.length(i), size)) {
			writeHeld(); // before their copies are reused
		}
		long endpoint = batch.endpoint(i);
		int n = segments.split(batch.received(i), size);
		if (n == 0) {
			for (int k = GroSegments.count(batch.length(i), size); k > 0; k--) {
				counters.dropped(DropReason.MALFORMED); // more than a kernel merges: each counted, none taken apart
			}
		}
		for (int k = 0; k < n; k++) {
			datagram(endpoint, segments.get(k), false);
		}
	}

	/** Writes the packets the coalescer holds and forgets the copies of merged datagrams. */
	private void writeHeld() {
		if (tun != null) {
			coalescer.flush(tun);
		}
		segments.reset();
	}

	/** One datagram, between position and limit of {@code p}: whatever goes wrong with it stays with it. */
	private void datagram(long endpoint, ByteBuffer p, boolean truncated) {
		try {
			handle(endpoint, p, truncated);
		} catch (RuntimeException e) {
			counters.dropped(DropReason.MALFORMED);
			reports.error("Datagram from " + EndpointKey.format(endpoint) + " failed", e);
		}
	}

	private void handle(long endpoint, ByteBuffer p, boolean truncated) {
		DropReason why = Decisions.received(truncated, p.remaining());
		if (why == null && endpoint == EndpointKey.NONE) {
			why = DropReason.UNKNOWN_ENDPOINT; // every IPv6 key is held by a session: this sender cannot have one
		}
		SessionManager sessions = b.sessions();
		if (why == null && sessions == null) {
			why = DropReason.NO_SERVICE;
		}
		if (why != null) {
			counters.dropped(why);
			return;
		}
		Session session = sessions.byEndpoint(endpoint);
		if (p.get(p.position()) == 0) {
			control(endpoint, p, session, sessions);
		} else if (session == null) {
			unknown(endpoint, sessions, p);
		} else {
			data(endpoint, p, session);
		}
	}

	private void data(long endpoint, ByteBuffer p, Session session) {
		boolean timed = (++sequence & TunnelMetrics.SAMPLE_MASK) == 0;
		DropReason why = Decisions.data(p, session.tunnelAddress(), session.tunnelAddress6Hi(), session.tunnelAddress6Lo(),
				tun == null ? 0 : tun.mtu(), header != 0);
		if (why == DropReason.SPOOFED) {
			reports.spoofed(b.securityLog(), endpoint, p, session, now);
		} else if (why == null && !session.admit()) {
			why = DropReason.RATE_LIMITED;
			reports.overShare(session, now);
		}
		if (why != null) {
			counters.dropped(why);
			session.dropped();
			session.received(0, false, now); // still alive, but nothing forwarded
			return;
		}
		TapSelection taps = b.taps();
		if (taps != null) {
			taps.offer(session.tunnelAddress(), Direction.FROM_CLIENT, p);
		}
		if (header != 0 && coalescer.offer(tun, p, session)) {
			heldSample |= timed; // written by the end of the batch
			return;
		}
		int length = p.remaining();
		p.position(p.position() - header); // the zero header: a plain, complete packet
		if (write(tun, p, session, 1, length, length) && timed) {
			latency.record(System.nanoTime() - batchStart);
		}
	}

	/**
	 * Writes {@code packets} IP packets as one (a coalesced segment: each {@code size} bytes but
	 * the last, {@code bytes} in all) and counts them: forwarded when the write returned, dropped
	 * when it failed.
	 */
	private boolean write(TunDevice device, ByteBuffer p, Session session, int packets, int size, int bytes) {
		try {
			device.write(p);
		} catch (IOException e) {
			for (int i = 0; i < packets; i++) {
				counters.dropped(DropReason.TUN_WRITE_ERROR);
				session.dropped();
			}
			heldSample = false;
			reports.error("Write to the TUN device failed", e);
			return false;
		}
		wrote = true;
		counters.forwarded(packets, bytes);
		for (int i = 1; i < packets; i++) {
			session.received(size, true, now);
		}
		session.received(bytes - (packets - 1) * size, true, now);
		return true;
	}

	/** A 0-leading datagram: keepalive (one byte) or handshake. */
	private void control(long endpoint, ByteBuffer p, Session session, SessionManager sessions) {
		if (p.remaining() == 1) {
			if (session != null) {
				session.received(1, false, now);
				metrics.keepalivesIn.increment();
			} else {
				unknown(endpoint, sessions, null);
			}
			return;
		}
		DropReason why = Decisions.handshake(p.remaining());
		KeyCheck keys = b.keyCheck();
		if (why == null && keys != null && keys.blocked(EndpointKey.inetAddress(endpoint))) {
			why = DropReason.THROTTLED; // dropped without work
		}
		if (why != null) {
			counters.dropped(why);
			return;
		}
		control.handshake(endpoint, p);
	}

	/**
	 * Data or a keepalive from an endpoint without a session. A client that rebinds behind a NAT,
	 * and one whose session ended recently, is told to handshake again (within the reply budget).
	 * Anything else is an illegal attempt, recorded but never counted against the address's
	 * handshakes: only wrong keys are.
	 */
	private void unknown(long endpoint, SessionManager sessions, ByteBuffer p) {
		DropReason why = Decisions.unknown(endpoint, p, sessions);
		counters.dropped(why);
		SecurityLog attempts = b.securityLog();
		if (why == DropReason.REBINDING || sessions.recentlyClosed(endpoint)) {
			hint(endpoint);
		} else if (attempts != null) {
			attempts.record(EndpointKey.inetAddress(endpoint), EndpointKey.port(endpoint), Reason.UNKNOWN_ENDPOINT,
					"data from an endpoint without a session");
		}
	}

	private void hint(long endpoint) {
		if (control.hint(endpoint) && sender.send(socket, TunnelSettings.REHANDSHAKE, endpoint)) {
			metrics.hints.increment();
		}
	}

	/** Waits (bounded) until the pump is not inside a batch, so it no longer uses an old TUN device. */
	void quiesce() {
		gate.quiesce(QUIESCE_NANOS);
	}

	/** How long a wait lasts at most (set before the thread starts): tests make a lost wake-up fail. */
	UplinkPump waitMillis(int millis) {
		waitMillis = millis;
		return this;
	}

	void stop() {
		running = false;
	}
}
