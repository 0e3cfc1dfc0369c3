package org.mobilegt.gateway.capture.impl;

import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

import org.mobilegt.gateway.capture.api.Capture;

/** A capture by the built-in pcap writer: its file ring, written by {@link PcapTap}'s writer thread. */
final class BuiltinCapture implements RunningCapture {

	static final String METHOD = "builtin";

	private final Target target;
	private final Capture info;
	/** Written by the writer thread only, once the capture is selected. */
	final PcapFile file;
	/** Packets lost because the queue to the writer was full. */
	final LongAdder dropped = new LongAdder();
	/** Set by the writer thread when the file is closed: later packets are discarded. */
	volatile boolean closed;
	/** Why writing failed, or null. */
	volatile String error;
	/** Written since the last flush (writer thread only). */
	boolean dirty;

	BuiltinCapture(Target target, PcapFile file) {
		this.target = target;
		this.file = file;
		this.info = new Capture(target.sessionId(), target.clientId(), target.dottedAddress(), METHOD,
				file.current().toString(), -1, Instant.now());
	}

	@Override
	public Target target() {
		return target;
	}

	@Override
	public Capture info() {
		return info;
	}
}
