package org.mobilegt.gateway.tun.impl;

import java.io.IOException;

import org.osgi.service.log.Logger;

/** One change the driver made to the system, and how to take it back. */
record Installed(String description, Undo undo) {

	@FunctionalInterface
	interface Undo {
		void run() throws IOException;
	}

	/** Takes {@code item} back, if any; a failure is logged, as the rest must be taken back still. */
	static void undo(Installed item, Logger log) {
		if (item != null) {
			try {
				item.undo().run();
			} catch (IOException e) {
				log.warn("Could not take back {}: {}", item.description(), e.getMessage());
			}
		}
	}

	@Override
	public String toString() {
		return description;
	}
}
