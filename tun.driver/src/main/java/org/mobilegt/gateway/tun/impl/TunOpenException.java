package org.mobilegt.gateway.tun.impl;

import java.io.IOException;

/** The device could not be opened; the message says why in operator terms. */
final class TunOpenException extends IOException {
	private static final long serialVersionUID = 1L;

	private final boolean offloadsRefused;

	TunOpenException(String message) {
		this(message, false);
	}

	private TunOpenException(String message, boolean offloadsRefused) {
		super(message);
		this.offloadsRefused = offloadsRefused;
	}

	/** The kernel would not give the device offloads: it may still open without them. */
	static TunOpenException offloadsRefused(String message) {
		return new TunOpenException(message, true);
	}

	boolean offloadsRefused() {
		return offloadsRefused;
	}
}
