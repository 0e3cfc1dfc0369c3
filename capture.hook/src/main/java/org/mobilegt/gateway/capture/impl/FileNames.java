package org.mobilegt.gateway.capture.impl;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * File-name pieces: the time here; the client id part is
 * {@link org.mobilegt.gateway.common.ClientIds#fileName}, as attacker-proof as a name can be.
 */
final class FileNames {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

	private FileNames() {
	}

	/** A timestamp for file names: UTC, sortable, millisecond precision, no ':' or blanks. */
	static String time(Instant when) {
		return TIME.format(when);
	}
}
