package org.mobilegt.gateway.app.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.mobilegt.gateway.common.PrivateFiles;

/**
 * A Karaf/FileInstall style {@code <pid>.cfg} file: {@code key=value} lines, {@code #} comments.
 * Updating it keeps the operator's comments and line order: changed keys are rewritten in place,
 * commented-out keys ({@code #key=value}) are uncommented, removed keys are commented out and new
 * keys are appended. Writes are atomic (temporary file, then rename) and never readable by others.
 */
public final class CfgFile {

	private static final Pattern ENTRY = Pattern.compile("^\\s*(#\\s*)?([A-Za-z0-9_.\\-]+)\\s*[=:]\\s?(.*)$");

	private final List<String> lines;

	private CfgFile(List<String> lines) {
		this.lines = lines;
	}

	public static CfgFile parse(String text) {
		return new CfgFile(new ArrayList<>(text.lines().toList()));
	}

	public static CfgFile read(Path file) throws IOException {
		return parse(Files.readString(file, StandardCharsets.UTF_8));
	}

	/** The active (uncommented) entries in file order. Later duplicates win. */
	public Map<String, String> values() {
		Map<String, String> values = new LinkedHashMap<>();
		for (String line : lines) {
			Matcher m = ENTRY.matcher(line);
			if (m.matches() && m.group(1) == null) {
				values.put(m.group(2), m.group(3).strip());
			}
		}
		return values;
	}

	/** Makes the active entries equal to {@code values}, keeping comments and layout. */
	public CfgFile update(Map<String, String> values) {
		Map<String, String> pending = new LinkedHashMap<>(values);
		List<String> out = new ArrayList<>(lines.size());
		for (String line : lines) {
			Matcher m = ENTRY.matcher(line);
			if (!m.matches()) {
				out.add(line);
				continue;
			}
			String key = m.group(2);
			boolean commented = m.group(1) != null;
			if (pending.containsKey(key)) {
				String value = pending.remove(key);
				out.add(!commented && Objects.equals(m.group(3).strip(), value) ? line : key + "=" + escape(value));
			} else if (!commented && !values.containsKey(key)) {
				out.add("#" + line);
			} else {
				out.add(line);
			}
		}
		pending.forEach((k, v) -> out.add(k + "=" + escape(v)));
		return new CfgFile(out);
	}

	public String text() {
		return String.join("\n", lines) + "\n";
	}

	/**
	 * Writes atomically, the file owner-only readable from its creation (it may hold secrets), or
	 * shared with the group the replaced file was shared with (the package's root:mobilegt 0660).
	 */
	public void write(Path file) throws IOException {
		PrivateFiles.replaceShared(file, text().getBytes(StandardCharsets.UTF_8));
	}

	/** Values are literal text after the '='; a line break cannot be part of one. */
	private static String escape(String v) {
		return v.replace('\n', ' ').replace('\r', ' ');
	}
}
