package org.mobilegt.gateway.launcher;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.url.URLStreamHandlerService;

/**
 * {@code java -jar gateway.jar}: Felix with the bundles inside the jar, its cache kept in
 * {@code data/framework} ({@code -Dlaunch.storage.dir=DIR}). Run properties come from
 * gateway.bndrun; a system property of the same name overrides one. Runs on any Java from 17 on
 * (no security manager or policy, which Java 24 removed).
 * <p>
 * {@code -Dmobilegt.reset-bundles=true} puts every shipped bundle back to the jar's copy.
 */
public final class Main {

	static final String RESET = "mobilegt.reset-bundles";
	/** Where the record of shipped bundles is, for gateway.app's vpn:status. */
	static final String RECORD_PROPERTY = "mobilegt.shipped.record";
	private static final String STORAGE_PROPERTY = "launch.storage.dir";
	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

	private Main() {
	}

	public static void main(String[] args) throws Exception {
		LaunchPlan plan = LaunchPlan.read(ownJar());
		Path storage = Path.of(System.getProperty(STORAGE_PROPERTY, plan.storageDir())).toAbsolutePath();
		privateDirectory(storage);
		Map<String, String> config = new HashMap<>();
		plan.runProperties().forEach((k, v) -> config.put(k, System.getProperty(k, v)));
		config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
		config.put(RECORD_PROPERTY, storage.resolve(ShippedRecord.FILE).toString());
		FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
				.orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
		int type;
		do {
			type = run(factory.newFramework(config), plan, storage);
		} while (type == FrameworkEvent.STOPPED_UPDATE); // the system bundle was updated: start again
		if (!shuttingDown()) {
			System.exit(type == FrameworkEvent.ERROR ? 1 : 0); // whatever threads a bundle left running
		}
	}

	/**
	 * The framework storage holds ConfigAdmin's copy of the keys, written with the process umask:
	 * the directory is 0700 from its creation (and narrowed to it if it exists), so that nobody
	 * else can reach what is in it.
	 */
	private static void privateDirectory(Path dir) throws IOException {
		Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
		if (!Files.isDirectory(dir)) {
			Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(owner));
		} else if (!Files.getPosixFilePermissions(dir).equals(owner)) {
			Files.setPosixFilePermissions(dir, owner);
		}
	}

	private static int run(Framework framework, LaunchPlan plan, Path storage)
			throws BundleException, IOException, InterruptedException {
		framework.init();
		ShippedUrls urls = new ShippedUrls(plan);
		framework.getBundleContext().registerService(URLStreamHandlerService.class, urls, ShippedUrls.serviceProperties());
		new BundleSync(framework.getBundleContext(), urls, ShippedRecord.load(storage)).sync(plan.bundles(),
				Boolean.getBoolean(RESET));
		framework.start();
		return framework.waitForStop(0).getType();
	}

	/** The console appender's layout (cnf/conf/org.ops4j.pax.logging.cfg): before pax-logging runs. */
	static void log(String level, String message) {
		System.out.printf("%s %-5s [launcher] %s%n", LocalTime.now().format(TIME), level, message);
	}

	private static Path ownJar() throws URISyntaxException {
		return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
	}

	/** In a shutdown hook (SIGTERM), System.exit would block forever. */
	private static boolean shuttingDown() {
		Thread probe = new Thread(() -> {
		});
		try {
			Runtime.getRuntime().addShutdownHook(probe);
			Runtime.getRuntime().removeShutdownHook(probe);
			return false;
		} catch (IllegalStateException e) {
			return true;
		}
	}
}
