package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;

/**
 * What the TUN to UDP direction does with the packets it reads, for one thread: reads packets
 * straight into the slots of a send batch, looks the client up by destination address (IPv4 or
 * IPv6) and sends the batch with one sendmmsg when it is full or the device has nothing more to
 * read. A packet counts as forwarded once the send that carried it returned without refusing it.
 * Each instance has its own buffers, counters and sampler, so the threads that read a TUN queue
 * (its {@link DownlinkPump}, and the uplink while it has the TUN's turn, {@link Turn}) share
 * nothing but the device.
 * <p>
 * With TUN offloads a read may also be a TCP segment of up to 64 KiB: it is cut into packets of
 * the size the kernel chose (gso_size) and they go out with one UDP GSO call; a packet whose
 * checksum the kernel left unfinished is finished here. TSO is enabled for IPv4 only
 * (tun.driver's TUNSETOFFLOAD: CSUM and TSO4), so the kernel segments IPv6 TCP itself and hands
 * those packets over one by one, their checksums partial or not; any other gso_type is dropped.
 */
final class DownlinkPath {

	private final Bindings.Cell bound;
	private final PumpCounters counters;
	private final TunnelMetrics.Sampler latency;
	private final MessageBatch batch = new MessageBatch(UplinkPump.BATCH, UplinkPump.SLOT + Offload.HEADER);
	/** The session and IP length of each queued datagram, counted when the batch was sent. */
	private final Session[] sessions = new Session[UplinkPump.BATCH];
	private final int[] lengths = new int[UplinkPump.BATCH];
	private final GsoSender gso = new GsoSender();
	private long sequence;
	/** The queued datagram being timed (-1: none) and when it was read. */
	private int sampleSlot = -1;
	private long sampleStart;
	// the current batch: its snapshot (taken at its first packet), offload header and clock
	private Bindings b = Bindings.NONE;
	private int header;
	private long now;

	DownlinkPath(Bindings.Cell bound, PumpCounters counters, TunnelMetrics.Sampler latency) {
		this.bound = bound;
		this.counters = counters;
		this.latency = latency;
	}

	/**
	 * Reads one packet from {@code queue} of {@code tun} (waiting up to {@code timeoutMillis}) and
	 * queues it, sending the batch when it is full or nothing was read.
	 *
	 * @return what the read returned: the packet's length, 0 when none came, -1 when the device was closed
	 */
	int step(TunDevice tun, int queue, int timeoutMillis) throws IOException {
		ByteBuffer slot = batch.next();
		int n = tun.read(queue, slot, timeoutMillis);
		if (n <= 0) {
			if (n == 0) {
				flush();
			}
			return n;
		}
		slot.flip();
		if (batch.pending() == 0) {
			renew(tun); // a batch starts: the bindings of now, not of before the wait in read
		}
		boolean timed = (++sequence & TunnelMetrics.SAMPLE_MASK) == 0;
		read(slot, timed ? System.nanoTime() : 0);
		if (batch.full()) {
			flush();
		}
		return n;
	}

	/** Datagrams queued and not sent yet. */
	int pending() {
		return batch.pending();
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
	void flush() {
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

	private void renew(TunDevice tun) {
		b = bound.get();
		now = System.currentTimeMillis();
		header = tun.offloadHeader() == 0 ? 0 : Offload.HEADER;
	}
}
