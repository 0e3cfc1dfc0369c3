package org.mobilegt.gateway.app.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The bundles an operator changed: updated since gateway.jar's launcher installed them (their
 * {@code lastModified} differs from the launcher's record, framework property
 * {@value #RECORD_PROPERTY}, lines {@code <bsn>=<stamp> <lastModified>}), or installed from
 * elsewhere. Such changes outlive restarts until a new gateway.jar ships its own copies or the
 * gateway starts with {@code -Dmobilegt.reset-bundles=true}.
 */
final class OperatorBundles {

	static final String RECORD_PROPERTY = "mobilegt.shipped.record";
	private static final String SCHEME = "mobilegt:";

	/** {@code change} is "updated" or "installed". */
	record BundleView(long id, String symbolicName, String version, String change, String since, String location) {
	}

	private OperatorBundles() {
	}

	static List<BundleView> of(BundleContext context) {
		String file = context.getProperty(RECORD_PROPERTY);
		if (file == null) {
			return List.of(); // not started by gateway.jar's launcher (the in-framework tests)
		}
		Properties record = load(Path.of(file));
		List<BundleView> changed = new ArrayList<>();
		for (Bundle b : context.getBundles()) {
			String location = b.getLocation();
			String change = null;
			if (location.startsWith(SCHEME)) {
				String[] entry = record.getProperty(location.substring(SCHEME.length()), "").strip().split("\\s+");
				if (entry.length == 2 && !entry[1].equals(Long.toString(b.getLastModified()))) {
					change = "updated";
				}
			} else if (b.getBundleId() != 0) {
				change = "installed";
			}
			if (change != null) {
				changed.add(new BundleView(b.getBundleId(), b.getSymbolicName(), b.getVersion().toString(), change,
						Instant.ofEpochMilli(b.getLastModified()).toString(), location));
			}
		}
		return changed;
	}

	private static Properties load(Path file) {
		Properties p = new Properties();
		try (InputStream in = Files.newInputStream(file)) {
			p.load(in);
		} catch (IOException e) {
			// no record (yet): every shipped bundle counts as shipped
		}
		return p;
	}
}
