package org.mobilegt.gateway.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.Set;

/**
 * What the launcher last installed from the jar, kept in the framework cache next to the bundles
 * it describes ({@value #FILE}): per symbolic name the shipped copy's stamp and the bundle's
 * {@code lastModified} right after the launcher installed or updated it. A different stamp means
 * a new gateway.jar; a different {@code lastModified} means an operator updated the bundle since.
 * One line per bundle, {@code <bsn>=<stamp> <lastModified>}: gateway.app's vpn:status reads it too.
 */
final class ShippedRecord {

	static final String FILE = "mobilegt-shipped.properties";

	private final Path file;
	private final Properties entries = new Properties();

	private ShippedRecord(Path file) {
		this.file = file;
	}

	static ShippedRecord load(Path storageDir) throws IOException {
		ShippedRecord record = new ShippedRecord(storageDir.resolve(FILE));
		if (Files.isRegularFile(record.file)) {
			try (InputStream in = Files.newInputStream(record.file)) {
				record.entries.load(in);
			}
		}
		return record;
	}

	Set<String> symbolicNames() {
		return entries.stringPropertyNames();
	}

	/** The stamp recorded for {@code bsn}, or null. */
	String stamp(String bsn) {
		String[] v = value(bsn);
		return v == null ? null : v[0];
	}

	/** The {@code lastModified} recorded for {@code bsn}, or -1. */
	long lastModified(String bsn) {
		String[] v = value(bsn);
		try {
			return v == null || v.length < 2 ? -1 : Long.parseLong(v[1]);
		} catch (NumberFormatException e) {
			return -1;
		}
	}

	void put(String bsn, String stamp, long lastModified) {
		entries.setProperty(bsn, stamp + " " + lastModified);
	}

	void remove(String bsn) {
		entries.remove(bsn);
	}

	/** Written to a temporary file and renamed: a crash leaves the old record or the new one. */
	void save() throws IOException {
		Files.createDirectories(file.getParent());
		Path tmp = file.resolveSibling(FILE + ".tmp");
		try (OutputStream out = Files.newOutputStream(tmp)) {
			entries.store(out, "bundles the launcher installed from gateway.jar: <bsn>=<stamp> <lastModified>");
		}
		Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	private String[] value(String bsn) {
		String v = entries.getProperty(bsn);
		return v == null ? null : v.strip().split("\\s+");
	}
}
