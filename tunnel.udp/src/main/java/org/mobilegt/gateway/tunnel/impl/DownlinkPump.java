package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.osgi.service.log.Logger;

/**
 * The TUN to UDP direction for one TUN queue: reads packets straight into the slots of a send
 * batch, looks the client up by destination address (IPv4 or IPv6) and sends the batch with one sendmmsg when
 * it is full or the device has nothing more to read. A packet counts as forwarded once the send
 * that carried it returned without refusing it.
 * <p>
 * With TUN offloads a read may also be a TCP segment of up to 64 KiB: it is cut into packets of
 * the size the kernel chose (gso_size) and they go out with one UDP GSO call; a packet whose
 * checksum the kernel left unfinished is finished here. TSO is enabled for IPv4 only
 * (tun.driver's TUNSETOFFLOAD: CSUM and TSO4), so the kernel segments IPv6 TCP itself and hands
 * those packets over one by one, their checksums partial or not; any other gso_type is dropped.
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
	/** The session and IP length of each queued datagram, counted when the batch was sent. */
	private final Session[] sessions = new Session[UplinkPump.BATCH];
	private final int[] lengths = new int[UplinkPump.BATCH];
	private final GsoSender gso = new GsoSender();
	private final RateGate errorLog = new RateGate(5, 60_000);
	private volatile boolean running = true;
	private long sequence;
	/** The queued datagram being timed (-1: none) and when it was read. */
	private int sampleSlot = -1;
	private long sampleStart;
	// the current batch: its snapshot (taken at its first packet), offload header and clock
	private Bindings b;
	private int header;
	private long now;

	DownlinkPump(Bindings.Cell bound, TunDevice tun, int queue, TunnelMetrics metrics, Logger log) {
		this.bound = bound;
		this.tun = tun;
		this.queue = queue;
		this.counters = metrics.downlink[queue];
		this.latency = metrics.sampler(Direction.TO_CLIENT);
		this.log = log;
		renew();
	}

	@Override
	public void run() {
		while (running) {
			try {
				if (!step(batch.pending() == 0 ? POLL_MILLIS : 0)) {
					break;
				}
			} catch (IOException | RuntimeException e) {
				long held = errorLog.admit(System.currentTimeMillis());
				if (held >= 0) {
					log.error("TUN queue {} read failed: {}{}", queue, e.toString(), held > 0 ? " (" + held + " more not logged)" : "");
				}
			}
		}
		flush(); // what was read is sent, and counted before the pump ends (a successor reads on)
	}

	/**
	 * Reads one packet (waiting up to {@code timeoutMillis}) and queues it, sending the batch when
	 * it is full or nothing was read; false when the device was closed.
	 */
	boolean step(int timeoutMillis) throws IOException {
		ByteBuffer slot = batch.next();
		int n = tun.read(queue, slot, timeoutMillis);
		if (n < 0) {
			return false;
		}
		if (n == 0) {
			flush();
			return true;
		}
		slot.flip();
		if (batch.pending() == 0) {
			renew(); // a batch starts: the bindings of now, not of before the wait in read
		}
		boolean timed = (++sequence & TunnelMetrics.SAMPLE_MASK) == 0;
		read(slot, timed ? System.nanoTime() : 0);
		if (batch.full()) {
			flush();
		}
		return true;
	}

	/** A read from the TUN device, behind its offload header if it has one; {@code start} not 0 when timed. */
	private void read(ByteBuffer slot, long start) {
		if (header > 0) {
			DropReason why = Decisions.offloaded(slot);
			if (why != null) {
				counters.dropped(why);
				return;
			}
			int gsoType = Offload.gsoType(slot, 0);
			int gsoSize = Offload.gsoSize(slot, 0);
			int flags = Offload.flags(slot, 0);
			int csumStart = Offload.csumStart(slot, 0);
			int csumOffset = Offload.csumOffset(slot, 0);
			slot.position(header);
			if (gsoType == Offload.GSO_TCPV4) {
				segmented(slot, gsoSize, start);
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
		tap(slot, session);
		int i = batch.pending();
		if (start != 0 && sampleSlot < 0) {
			sampleSlot = i;
			sampleStart = start;
		}
		sessions[i] = session;
		lengths[i] = slot.remaining();
		batch.commit(slot.position(), lengths[i], session.endpoint());
	}

	/**
	 * The session an IP packet (between position and limit) goes to, looked up by its IPv4 or IPv6
	 * destination, or null after counting the drop.
	 */
	private Session destination(ByteBuffer p) {
		DropReason why = Decisions.outbound(p);
		SessionManager manager = b.sessions();
		Session session = null;
		if (why == null && manager != null) {
			session = (p.get(p.position()) & 0xF0) == 0x40 ? manager.byTunnelAddress(Packets.destination(p))
					: manager.byTunnelAddress6(Ipv6.destinationHi(p), Ipv6.destinationLo(p));
		}
		if (session == null) {
			counters.dropped(why != null ? why : DropReason.NO_SESSION);
		}
		return session;
	}

	/** Taps select sessions by their IPv4 address: they see both families of a session's packets. */
	private void tap(ByteBuffer p, Session session) {
		TapSelection taps = b.taps();
		if (taps != null) {
			taps.offer(session.tunnelAddress(), Direction.TO_CLIENT, p);
		}
	}

	/** A TCP segment of up to 64 KiB: cut into packets, sent as one run with UDP GSO. */
	private void segmented(ByteBuffer segment, int mss, long start) {
		Session session = destination(segment);
		if (session == null) {
			return;
		}
		flush(); // what came before goes out before
		ByteBuffer out = gso.buffer();
		int size = Offload.segment(segment, mss, out);
		if (size <= 0) {
			counters.dropped(DropReason.MALFORMED);
			session.dropped();
			return;
		}
		int length = out.position();
		int packets = (length + size - 1) / size;
		for (int off = 0; off < length; off += size) {
			out.limit(Math.min(off + size, length)).position(off);
			tap(out, session);
		}
		UdpSocket socket = bound.get().socket(); // the newest: a replaced socket is released soon after
		int failed = socket == null ? packets : gso.send(socket, session.endpoint(), length, size);
		int bytes = length - (socket == null ? length : gso.failedBytes());
		DropReason why = socket == null ? DropReason.NO_SERVICE : DropReason.UDP_SEND_ERROR;
		for (int i = 0; i < failed; i++) {
			counters.dropped(why);
			session.dropped();
		}
		int sent = packets - failed;
		if (sent > 0) {
			counters.forwarded(sent, bytes);
			for (int i = 1; i < sent; i++) {
				session.sent(size, true, now);
			}
			session.sent(bytes - (sent - 1) * size, true, now);
		}
		if (start != 0 && failed == 0) {
			latency.record(System.nanoTime() - start);
		}
	}

	/** Sends the queued datagrams and counts each as forwarded or dropped. */
	private void flush() {
		int n = batch.pending();
		if (n > 0) {
			UdpSocket socket = bound.get().socket(); // the newest: a replaced socket is released soon after
			if (socket != null) {
				batch.flush(socket);
			} else {
				batch.clear();
			}
			for (int i = 0; i < n; i++) {
				if (socket == null || batch.refused(i)) {
					counters.dropped(socket == null ? DropReason.NO_SERVICE : DropReason.UDP_SEND_ERROR);
					sessions[i].dropped();
				} else {
					counters.forwarded(lengths[i]);
					sessions[i].sent(lengths[i], true, now);
				}
			}
			if (sampleSlot >= 0 && socket != null && !batch.refused(sampleSlot)) {
				latency.record(System.nanoTime() - sampleStart);
			}
			Arrays.fill(sessions, 0, n, null); // hold no session past its batch
		}
		sampleSlot = -1;
	}

	private void renew() {
		b = bound.get();
		now = System.currentTimeMillis();
		header = tun.offloadHeader() == 0 ? 0 : Offload.HEADER;
	}

	void stop() {
		running = false;
	}
}
