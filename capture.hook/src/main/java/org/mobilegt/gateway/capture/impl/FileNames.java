package org.mobilegt.gateway.capture.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * File-name pieces made from client data. Client ids are attacker-chosen (any printable ASCII):
 * in a file name they could climb out of the output directory ({@code ../}), hide ({@code .x}),
 * pose as an option to a tool ({@code -w}) or collide with another id. {@link #safe} keeps only
 * {@code [A-Za-z0-9._-]}, never leads with '.' or '-', and marks every altered id with '~' and a
 * hash of the original ('~' never survives in an id), so that two ids never share a name.
 */
final class FileNames {

	static final String ANONYMOUS = "anonymous";
	private static final int MAX = 48;
	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

	private FileNames() {
	}

	/** {@code id} as a file-name fragment; null (an anonymous client) is {@value #ANONYMOUS}. */
	static String safe(String id) {
		if (id == null) {
			return ANONYMOUS;
		}
		StringBuilder sb = new StringBuilder(Math.min(id.length(), MAX));
		for (int i = 0; i < id.length() && sb.length() < MAX; i++) {
			char c = id.charAt(i);
			boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
					|| (c == '.' || c == '-') && sb.length() > 0;
			sb.append(plain ? c : '_');
		}
		String s = sb.toString();
		if (s.equals(id) && !s.equals(ANONYMOUS)) {
			return s;
		}
		return s + "~" + hash(id);
	}

	/** A timestamp for file names: UTC, sortable, millisecond precision, no ':' or blanks. */
	static String time(Instant when) {
		return TIME.format(when);
	}

	private static String hash(String id) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest, 0, 4);
		} catch (NoSuchAlgorithmException e) {
			throw new AssertionError("SHA-256 is part of every Java runtime", e);
		}
	}
}
