package org.mobilegt.gateway.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What gateway.jar carries: {@code launcher.properties} as bnd's export writes it from
 * gateway.bndrun (the run properties, {@code launch.bundles} and their start levels in
 * {@code launch.runbundles.attrs}) and the bundle jars under {@code jar/}.
 */
public record LaunchPlan(Path jar, Map<String, String> runProperties, String storageDir, List<ShippedBundle> bundles) {

	public static final String PROPERTIES = "launcher.properties";
	private static final String LAUNCH_PREFIX = "launch.";
	private static final String DEFAULT_STORAGE = "data/framework";

	/** A bundle inside gateway.jar; {@code stamp} changes whenever its bytes do (CRC-32 and size). */
	public record ShippedBundle(String symbolicName, String entry, int startLevel, String stamp) {
	}

	/** Reads the plan from {@code jar}, which must carry {@link #PROPERTIES} and every bundle it names. */
	public static LaunchPlan read(Path jar) throws IOException {
		try (ZipFile zip = new ZipFile(jar.toFile())) {
			ZipEntry props = zip.getEntry(PROPERTIES);
			if (props == null) {
				throw new IOException(jar + " has no " + PROPERTIES);
			}
			Properties p = new Properties();
			try (InputStream in = zip.getInputStream(props)) {
				p.load(in);
			}
			Map<String, String> run = new LinkedHashMap<>();
			for (String key : p.stringPropertyNames()) {
				if (!key.startsWith(LAUNCH_PREFIX)) {
					run.put(key, p.getProperty(key));
				}
			}
			return new LaunchPlan(jar, run, p.getProperty("launch.storage.dir", DEFAULT_STORAGE), bundles(zip, p));
		}
	}

	private static List<ShippedBundle> bundles(ZipFile zip, Properties p) throws IOException {
		String[] entries = split(p.getProperty("launch.bundles", ""));
		String[] attrs = split(p.getProperty("launch.runbundles.attrs", ""));
		if (entries.length != attrs.length) {
			throw new IOException(PROPERTIES + ": " + entries.length + " bundles but " + attrs.length + " run bundle attributes");
		}
		List<ShippedBundle> bundles = new ArrayList<>();
		for (int i = 0; i < entries.length; i++) {
			ZipEntry e = zip.getEntry(entries[i]);
			if (e == null) {
				throw new IOException(PROPERTIES + " names " + entries[i] + ", which is not in the jar");
			}
			String[] clauses = attrs[i].split(";");
			int level = 1;
			for (int c = 1; c < clauses.length; c++) {
				if (clauses[c].strip().startsWith("startlevel=")) {
					level = Integer.parseInt(clauses[c].strip().substring("startlevel=".length()).replace("\"", ""));
				}
			}
			bundles.add(new ShippedBundle(clauses[0].strip(), entries[i], level,
					Long.toHexString(e.getCrc()) + "-" + e.getSize()));
		}
		return bundles;
	}

	/** Splits a bnd list; no element here contains a comma (versions are plain dotted numbers). */
	private static String[] split(String list) {
		return list.isBlank() ? new String[0] : list.split(",");
	}
}
