package org.mobilegt.gateway.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Brings the kept framework cache in line with the jar, before the framework starts:
 * <ul>
 * <li>a shipped bundle not installed yet is installed (and marked for start);</li>
 * <li>one whose shipped copy changed since the launcher last installed it (a new gateway.jar), or
 * every one with {@code reset}, is updated from the jar, replacing an operator's copy;</li>
 * <li>otherwise the installed copy stays, the operator's update included;</li>
 * <li>a bundle an older jar shipped and this one does not is uninstalled, as is a shipped bundle
 * installed from another location (the bnd launcher's); bundles an operator installed stay.</li>
 * </ul>
 */
final class BundleSync {

	private final BundleContext context;
	private final ShippedUrls urls;
	private final ShippedRecord record;

	BundleSync(BundleContext context, ShippedUrls urls, ShippedRecord record) {
		this.context = context;
		this.urls = urls;
		this.record = record;
	}

	void sync(List<LaunchPlan.ShippedBundle> shipped, boolean reset) throws IOException {
		Set<String> names = new HashSet<>();
		for (LaunchPlan.ShippedBundle s : shipped) {
			names.add(s.symbolicName());
			try {
				sync(s, reset);
			} catch (BundleException | IOException | RuntimeException e) {
				Main.log("ERROR", "cannot install " + s.entry() + " (" + s.symbolicName() + "): " + e);
			}
		}
		for (String bsn : record.symbolicNames()) {
			if (!names.contains(bsn)) {
				Bundle gone = context.getBundle(ShippedUrls.location(bsn));
				uninstall(gone, "no longer shipped");
				record.remove(bsn);
			}
		}
		record.save();
	}

	private void sync(LaunchPlan.ShippedBundle s, boolean reset) throws BundleException, IOException {
		String location = ShippedUrls.location(s.symbolicName());
		for (Bundle b : context.getBundles()) {
			if (b.getBundleId() != 0 && s.symbolicName().equals(b.getSymbolicName()) && !location.equals(b.getLocation())) {
				uninstall(b, "installed from " + b.getLocation() + ", replaced by the shipped copy");
			}
		}
		Bundle bundle = context.getBundle(location);
		boolean operators = bundle != null && bundle.getLastModified() != record.lastModified(s.symbolicName());
		if (bundle == null) {
			try (InputStream in = urls.open(s.entry())) {
				bundle = context.installBundle(location, in);
			}
			bundle.adapt(BundleStartLevel.class).setStartLevel(s.startLevel());
			if (bundle.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
				bundle.start(); // before the framework starts: only marks it for start at its level
			}
		} else if (reset || !s.stamp().equals(record.stamp(s.symbolicName()))) {
			try (InputStream in = urls.open(s.entry())) {
				bundle.update(in);
			}
			if (operators) {
				Main.log("INFO", "Bundle " + s.symbolicName() + ": the operator's update is replaced by the copy in "
						+ (reset ? "gateway.jar (reset)" : "the new gateway.jar"));
			}
		} else {
			if (operators) {
				Main.log("INFO", "Bundle " + s.symbolicName() + " " + bundle.getVersion()
						+ ": keeping the operator's update (-D" + Main.RESET + "=true returns to the shipped copy)");
			}
			bundle.adapt(BundleStartLevel.class).setStartLevel(s.startLevel());
			return;
		}
		bundle.adapt(BundleStartLevel.class).setStartLevel(s.startLevel());
		record.put(s.symbolicName(), s.stamp(), bundle.getLastModified());
	}

	private static void uninstall(Bundle b, String why) throws IOException {
		if (b == null) {
			return;
		}
		try {
			b.uninstall();
			Main.log("INFO", "Bundle " + b.getSymbolicName() + " uninstalled: " + why);
		} catch (BundleException e) {
			throw new IOException("cannot uninstall " + b.getSymbolicName() + ": " + e.getMessage(), e);
		}
	}
}
