package org.mobilegt.gateway.tun.impl;

import java.io.IOException;

/** One change the driver made to the system, and how to take it back. */
record Installed(String description, Undo undo) {

	@FunctionalInterface
	interface Undo {
		void run() throws IOException;
	}

	@Override
	public String toString() {
		return description;
	}
}
