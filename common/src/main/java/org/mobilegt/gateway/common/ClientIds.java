package org.mobilegt.gateway.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The one way client ids are shown: in log lines, {@code vpn:*} output, the console page and
 * capture file names. Client ids are attacker-chosen, and an operator's argument may be anything:
 * shown raw, a control character could forge a log line or move a terminal's cursor, and in a file
 * name a '/' could climb out of the directory. The anonymous client (a null id) is
 * {@value #ANONYMOUS} everywhere but in file names, where it is {@value #ANONYMOUS_FILE}.
 */
public final class ClientIds {

	public static final String ANONYMOUS = "(anonymous)";
	public static final String ANONYMOUS_FILE = "anonymous";
	/** The longest id part of a file name; a longer id is cut, and marked with its hash. */
	static final int MAX_FILE_ID = 48;

	private ClientIds() {
	}

	/** {@code id} for people: {@value #ANONYMOUS} for null, else {@link #escape}d. */
	public static String printable(String id) {
		return id == null ? ANONYMOUS : escape(id);
	}

	/**
	 * Printable ASCII as it is; '\' as {@code \\}, any other character as {@code \xNN} (or
	 * {@code \}{@code uNNNN} above 0xFF), so that the output is one line and says exactly what it got.
	 */
	public static String escape(String text) {
		StringBuilder sb = new StringBuilder(text.length());
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '\\') {
				sb.append("\\\\");
			} else if (c >= 0x20 && c < 0x7f) {
				sb.append(c);
			} else {
				sb.append(c <= 0xff ? String.format(Locale.ROOT, "\\x%02x", (int) c) : String.format(Locale.ROOT, "\\u%04x", (int) c));
			}
		}
		return sb.toString();
	}

	/**
	 * {@code id} as a file-name fragment: only {@code [A-Za-z0-9._-]}, never leading with '.' or
	 * '-' (hidden, or an option to a tool), at most {@value #MAX_FILE_ID} of them; an altered id is
	 * marked with '~' and a hash of the original ('~' never survives in an id), so that two ids never
	 * share a name. Null is {@value #ANONYMOUS_FILE}, and an id so called is marked.
	 */
	public static String fileName(String id) {
		if (id == null) {
			return ANONYMOUS_FILE;
		}
		StringBuilder sb = new StringBuilder(Math.min(id.length(), MAX_FILE_ID));
		for (int i = 0; i < id.length() && sb.length() < MAX_FILE_ID; i++) {
			char c = id.charAt(i);
			boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
					|| (c == '.' || c == '-') && sb.length() > 0;
			sb.append(plain ? c : '_');
		}
		String s = sb.toString();
		return s.equals(id) && !s.equals(ANONYMOUS_FILE) ? s : s + "~" + hash(id);
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
