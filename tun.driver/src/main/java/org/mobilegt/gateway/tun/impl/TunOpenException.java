package org.mobilegt.gateway.tun.impl;

import java.io.IOException;

/** The device could not be opened; the message says why in operator terms. */
final class TunOpenException extends IOException {
	private static final long serialVersionUID = 1L;

	TunOpenException(String message) {
		super(message);
	}
}
