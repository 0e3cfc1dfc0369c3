package org.mobilegt.gateway.launcher;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.osgi.service.url.AbstractURLStreamHandlerService;
import org.osgi.service.url.URLConstants;

/**
 * The locations of the shipped bundles, {@code mobilegt:<symbolic name>}: a URL that always reads
 * the copy inside the running gateway.jar, whatever its version or file name. So Gogo's plain
 * {@code update <id>} (which re-reads the location) puts a bundle back to the shipped copy, even
 * after the jar was replaced by a newer one. Registered as an OSGi URL handler service.
 */
final class ShippedUrls extends AbstractURLStreamHandlerService {

	static final String SCHEME = "mobilegt";

	private final LaunchPlan plan;

	ShippedUrls(LaunchPlan plan) {
		this.plan = plan;
	}

	static String location(String bsn) {
		return SCHEME + ":" + bsn;
	}

	static Dictionary<String, Object> serviceProperties() {
		Hashtable<String, Object> properties = new Hashtable<>();
		properties.put(URLConstants.URL_HANDLER_PROTOCOL, new String[] { SCHEME });
		return properties;
	}

	@Override
	public URLConnection openConnection(URL url) throws IOException {
		String bsn = url.getPath();
		LaunchPlan.ShippedBundle shipped = plan.bundles().stream().filter(b -> b.symbolicName().equals(bsn)).findFirst()
				.orElseThrow(() -> new IOException(plan.jar() + " ships no bundle " + bsn));
		return new URLConnection(url) {
			@Override
			public void connect() {
				connected = true;
			}

			@Override
			public InputStream getInputStream() throws IOException {
				return open(shipped.entry());
			}
		};
	}

	/** A stream of one jar entry that closes the jar with it. */
	InputStream open(String entry) throws IOException {
		ZipFile zip = new ZipFile(plan.jar().toFile());
		try {
			ZipEntry e = zip.getEntry(entry);
			if (e == null) {
				throw new IOException(plan.jar() + " has no " + entry);
			}
			return new FilterInputStream(zip.getInputStream(e)) {
				@Override
				public void close() throws IOException {
					try {
						super.close();
					} finally {
						zip.close();
					}
				}
			};
		} catch (IOException | RuntimeException e) {
			zip.close();
			throw e;
		}
	}
}
