package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.osgi.service.log.Logger;

/**
 * The TUN to UDP direction for one TUN queue: reads packets straight into the slots of a send
 * batch, looks the client up by destination address and sends the batch with one sendmmsg when
 * it is full or the device has nothing more to read.
 * <p>
 * With TUN offloads a read may also be a TCP segment of up to 64 KiB: it is cut into packets of
 * the size the kernel chose (gso_size) and they go out with one UDP GSO call; a packet whose
 * checksum the kernel left unfinished is finished here.
 */
final class DownlinkPump implements Runnable {

	private static final int POLL_MILLIS = 250;

	private final Bindings.Cell bound;
	private final TunDevice tun;
	private final int queue;
	private final PumpCounters counters;
	private final TunnelMetrics.Sampler latency;
	private final Logger log;
	private final MessageBatch batch = new MessageBatch(UplinkPump.BATCH, UplinkPump.SLOT + Offload.HEADER);
	private final GsoSender gso = new GsoSender();
	private final RateGate errorLog = new RateGate(5, 60_000);
	private volatile boolean running = true;
	private long sequence;
	private long sampleStart;
	/** The snapshot of the current batch, renewed after each flush. */
	private Bindings b;

	DownlinkPump(Bindings.Cell bound, TunDevice tun, int queue, TunnelMetrics metrics, Logger log) {
		this.bound = bound;
		this.tun = tun;
		this.queue = queue;
		this.counters = metrics.downlink[queue];
		this.latency = metrics.sampler(Direction.TO_CLIENT);
		this.log = log;
	}

	@Override
	public void run() {
		long now = System.currentTimeMillis();
		b = bound.get();
		while (running) {
			try {
				ByteBuffer slot = batch.next();
				int n = tun.read(queue, slot, batch.pending() == 0 ? POLL_MILLIS : 0);
				if (n < 0) {
					return; // the device was closed
				}
				if (n == 0) {
					flush();
					now = System.currentTimeMillis();
					continue;
				}
				slot.flip();
				read(slot, now);
				if (batch.full()) {
					flush();
					now = System.currentTimeMillis();
				}
			} catch (IOException | RuntimeException e) {
				long held = errorLog.admit(System.currentTimeMillis());
				if (held >= 0) {
					log.error("TUN queue {} read failed: {}{}", queue, e.toString(), held > 0 ? " (" + held + " more not logged)" : "");
				}
			}
		}
	}

	/** A read from the TUN device, behind its offload header if it has one. */
	private void read(ByteBuffer slot, long now) {
		int header = tun.offloadHeader();
		if (header > 0) {
			if (slot.remaining() <= header) {
				counters.dropped(DropReason.TRUNCATED);
				return;
			}
			int gsoType = Offload.gsoType(slot, 0);
			int gsoSize = Offload.gsoSize(slot, 0);
			int flags = Offload.flags(slot, 0);
			int csumStart = Offload.csumStart(slot, 0);
			int csumOffset = Offload.csumOffset(slot, 0);
			slot.position(header);
			if (gsoType == Offload.GSO_TCPV4) {
				segmented(slot, gsoSize, now);
				return;
			}
			if (gsoType != Offload.GSO_NONE) {
				counters.dropped(DropReason.NOT_IP);
				return;
			}
			if ((flags & Offload.F_NEEDS_CSUM) != 0) {
				Offload.finishChecksum(slot, csumStart, csumOffset);
			}
		}
		Session session = destination(slot);
		if (session == null) {
			return;
		}
		if ((++sequence & TunnelMetrics.SAMPLE_MASK) == 0 && sampleStart == 0) {
			sampleStart = System.nanoTime();
		}
		tap(slot);
		int length = slot.remaining();
		batch.commit(slot.position(), length, session.endpoint());
		session.sent(length, true, now);
		counters.forwarded(length);
	}

	/** The session an IPv4 packet (between position and limit) goes to, or null after counting the drop. */
	private Session destination(ByteBuffer p) {
		int version = (p.get(p.position()) & 0xF0) >>> 4;
		if (version != 4 || p.remaining() < Packets.IPV4_HEADER) {
			counters.dropped(version == 6 ? DropReason.IPV6 : DropReason.NOT_IP);
			return null;
		}
		SessionManager sessions = b.sessions();
		Session session = sessions == null ? null : sessions.byTunnelAddress(Packets.destination(p));
		if (session == null) {
			counters.dropped(DropReason.NO_SESSION);
		}
		return session;
	}

	private void tap(ByteBuffer p) {
		TapSelection taps = b.taps();
		if (taps != null) {
			taps.offer(Packets.destination(p), Direction.TO_CLIENT, p);
		}
	}

	/** A TCP segment of up to 64 KiB: cut into packets, sent as one run with UDP GSO. */
	private void segmented(ByteBuffer segment, int mss, long now) {
		Session session = destination(segment);
		if (session == null) {
			return;
		}
		long start = System.nanoTime();
		flush(); // what came before goes out before
		ByteBuffer out = gso.buffer();
		int size = Offload.segment(segment, mss, out);
		if (size <= 0) {
			counters.dropped(DropReason.MALFORMED);
			return;
		}
		int length = out.position();
		int packets = (length + size - 1) / size;
		for (int off = 0; off < length; off += size) {
			out.limit(Math.min(off + size, length)).position(off);
			tap(out);
			session.sent(out.remaining(), true, now);
			counters.forwarded(out.remaining());
		}
		UdpSocket socket = b.socket();
		int failed = socket == null ? packets : gso.send(socket, session.endpoint(), length, size);
		for (int i = 0; i < failed; i++) {
			counters.dropped(socket == null ? DropReason.NO_SERVICE : DropReason.UDP_SEND_ERROR);
		}
		if ((++sequence & TunnelMetrics.SAMPLE_MASK) == 0) {
			latency.record(System.nanoTime() - start);
		}
	}

	private void flush() {
		if (batch.pending() == 0) {
			b = bound.get();
			return;
		}
		UdpSocket socket = b.socket();
		if (socket == null) {
			for (int i = batch.pending(); i > 0; i--) {
				counters.dropped(DropReason.NO_SERVICE);
			}
			batch.clear();
		} else {
			for (int failed = batch.flush(socket); failed > 0; failed--) {
				counters.dropped(DropReason.UDP_SEND_ERROR);
			}
		}
		if (sampleStart != 0) {
			latency.record(System.nanoTime() - sampleStart);
			sampleStart = 0;
		}
		b = bound.get();
	}

	void stop() {
		running = false;
	}
}
