package org.mobilegt.gateway.tunnel.impl;

/**
 * Whether the uplink, while it has the TUN's {@link Turn}, reads the device right after a write
 * instead of first waiting for it. A reply the kernel makes inside the write (an ICMP echo, a TCP
 * ACK or reset of a local socket, any host behind a veth of this kernel) is queued by the time the
 * write returns; reading it at once saves the wait that would only report it ready. Replies from
 * a real network come later and such a read finds nothing, so after a miss only every
 * {@link #PROBE}-th write is followed by one, until a read finds a reply again: one-way traffic
 * pays one empty read per {@link #PROBE} writes. One thread's state, not shared.
 */
final class ReplyProbe {

	/** After a miss, one write in this many (a power of 2) is followed by a read. */
	static final int PROBE = 64;

	private boolean hitting = true;
	private int writes;

	/** A batch was written: whether to read the TUN before waiting. */
	boolean due() {
		return hitting || (++writes & (PROBE - 1)) == 0;
	}

	/** What that read found. */
	void found(boolean reply) {
		hitting = reply;
	}
}
