package org.mobilegt.gateway.app.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.PrivateFiles;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.MetaTypeService;

/**
 * The operator's configuration directory ({@code -Dmobilegt.conf=DIR}, default {@code conf/}):
 * one {@code <pid>.cfg} file per configuration PID.
 * <ul>
 * <li>At start, a documented default file is written for each gateway PID that has none, then
 * every file is applied to Configuration Admin.</li>
 * <li>Edits to the files apply live (a WatchService thread, no polling). A file with an invalid
 * value or an unknown key is reported, naming file and key, and the running configuration stays.</li>
 * <li>Changes made elsewhere (Web Console, Gogo, a component restoring its previous values) are
 * written back into the file, so they survive restarts and the file always tells the truth.</li>
 * </ul>
 */
@Component(immediate = true, service = { ConfigurationListener.class, EventHandler.class }, property = EventConstants.EVENT_TOPIC
		+ "=" + ConfigVerdict.TOPIC_ANY)
public final class ConfigDirectory implements ConfigurationListener, EventHandler {

	static final String CONF_PROPERTY = "mobilegt.conf";
	/** How long a write-back waits for the component's verdict. */
	static final long VERDICT_MILLIS = 15_000;
	/** How long a changed file must stay unchanged before it is read. */
	static final long SETTLE_MILLIS = 250;
	/** How long after a refusal the file is matched to the restored configuration. */
	static final long RESTORE_MILLIS = 2_000;
	private static final String SUFFIX = ".cfg";
	/** Logging is configured before anything else, so later start-up messages are not lost. */
	private static final Comparator<Path> LOGGING_FIRST = Comparator
			.comparing((Path p) -> !pid(p).equals("org.ops4j.pax.logging")).thenComparing(Comparator.naturalOrder());

	private final Logger log;
	private final ConfigurationAdmin cm;
	private final ConfigSchema schema;
	private final Path dir;
	private final WatchService watcher;
	private final Thread watchThread;
	/** Write-backs waiting for their component's verdict, by PID. */
	private final Map<String, ScheduledFuture<?>> awaiting = new ConcurrentHashMap<>();
	/**
	 * Each file's values as last applied from it or written into it. The watcher also sees our own
	 * write-backs, possibly after the next change reached Configuration Admin: applied then, such
	 * an echo would set that change back.
	 */
	private final Map<String, Map<String, String>> synced = new ConcurrentHashMap<>();
	private final ScheduledExecutorService writer = Daemons.scheduler("mobilegt-config-writeback");

	@Activate
	public ConfigDirectory(BundleContext context, @Reference ConfigurationAdmin cm, @Reference MetaTypeService metaType,
			@Reference(service = LoggerFactory.class) Logger log) throws IOException {
		this.log = log;
		this.cm = cm;
		this.schema = new ConfigSchema(context, metaType);
		String configured = context.getProperty(CONF_PROPERTY);
		this.dir = Path.of(configured == null ? "conf" : configured).toAbsolutePath().normalize();
		if (!Files.isDirectory(dir)) {
			PrivateFiles.directory(dir);
		}
		privateStorage(context);
		writeMissingDefaults(context);
		try (Stream<Path> files = Files.list(dir)) {
			files.filter(ConfigDirectory::isCfg).sorted(LOGGING_FIRST).forEach(this::apply);
		}
		watcher = dir.getFileSystem().newWatchService();
		dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
				StandardWatchEventKinds.ENTRY_DELETE);
		watchThread = Daemons.start(this::watch, "mobilegt-config-watch");
		log.info("Configuration directory {}", dir);
	}

	/**
	 * The framework storage holds Configuration Admin's copies of every configuration, the key
	 * included, which Felix writes with the process umask: its directory must be 0700 before the
	 * first file of ours reaches Configuration Admin. A launcher creates it so
	 * ({@link PrivateFiles#directory}); one that did not gets it narrowed here.
	 */
	private void privateStorage(BundleContext context) throws IOException {
		String storage = context.getProperty(Constants.FRAMEWORK_STORAGE);
		if (storage != null && PrivateFiles.directory(Path.of(storage))) {
			log.warn("Framework storage {} was open to other users: narrowed to 0700 (it holds the configuration's secrets)",
					Path.of(storage).toAbsolutePath());
		}
	}

	@Deactivate
	void deactivate() throws IOException, InterruptedException {
		writer.shutdownNow();
		watcher.close();
		watchThread.join(2000);
	}

	public Path directory() {
		return dir;
	}

	private static boolean isCfg(Path p) {
		String name = p.getFileName().toString();
		return name.endsWith(SUFFIX) && !name.startsWith(".");
	}

	private static String pid(Path file) {
		String name = file.getFileName().toString();
		return name.substring(0, name.length() - SUFFIX.length());
	}

	/** Copies the bundled, commented default file of each PID that has no file yet. */
	private void writeMissingDefaults(BundleContext context) throws IOException {
		Enumeration<URL> defaults = context.getBundle().findEntries("defaults", "*" + SUFFIX, false);
		for (URL url : defaults == null ? Collections.<URL>emptyList() : Collections.list(defaults)) {
			Path target = dir.resolve(Path.of(url.getPath()).getFileName().toString());
			if (!Files.exists(target)) {
				try (InputStream in = url.openStream()) {
					CfgFile.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).write(target);
				}
				log.info("Wrote default configuration {}", target);
			}
		}
	}

	/**
	 * Applies each changed file once it has been quiet for {@link #SETTLE_MILLIS}: an editor that
	 * saves in place truncates first, and a file read then would apply every default.
	 */
	private void watch() {
		try {
			Set<Path> changed = new LinkedHashSet<>();
			while (true) {
				WatchKey key = changed.isEmpty() ? watcher.take() : watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS);
				if (key == null) {
					changed.forEach(this::settled);
					changed.clear();
					continue;
				}
				for (WatchEvent<?> event : key.pollEvents()) {
					if (event.context() instanceof Path name && isCfg(name)) {
						changed.add(dir.resolve(name));
					}
				}
				key.reset();
			}
		} catch (ClosedWatchServiceException | InterruptedException e) {
			// deactivated
		}
	}

	/** A file that changed, or went, and has been quiet since (a save by rename deletes first). */
	private void settled(Path file) {
		if (Files.exists(file)) {
			apply(file);
		} else {
			removed(file);
		}
	}

	/** Applies a file to Configuration Admin if it is valid; otherwise says why and changes nothing. */
	synchronized void apply(Path file) {
		String pid = pid(file);
		Map<String, String> values;
		try {
			if (!Files.isRegularFile(file)) {
				return;
			}
			values = CfgFile.read(file).values();
		} catch (IOException e) {
			log.error("{}: cannot read: {}", file, e.getMessage());
			return;
		}
		if (values.equals(synced.get(pid))) {
			return; // our own write-back, or a save without a change: not an edit
		}
		List<String> problems = schema.validate(pid, values);
		if (!problems.isEmpty()) {
			problems.forEach(p -> log.error("{}: {}; the running configuration of {} is kept", file, p, pid));
			return;
		}
		try {
			Configuration configuration = cm.getConfiguration(pid, "?");
			Map<String, String> before = current(configuration);
			if (configuration.updateIfDifferent(schema.convert(pid, values)) && !before.equals(values)) {
				log.info("{}: applied to {} ({})", file, pid, changes(pid, before, values));
			}
			synced.put(pid, values);
		} catch (IOException | RuntimeException e) {
			log.error("{}: could not be applied to {}: {}", file, pid, e.getMessage());
		}
	}

	private synchronized void removed(Path file) {
		String pid = pid(file);
		synced.remove(pid);
		try {
			Configuration[] existing = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
			if (existing != null) {
				existing[0].delete();
				log.info("{} deleted: {} is back to its defaults", file, pid);
			}
		} catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
			log.error("{} deleted, but the configuration of {} could not be removed: {}", file, pid, e.getMessage());
		}
	}

	/**
	 * Writes configuration changes made elsewhere back into the PID's file. A gateway component's
	 * change is written once the component confirms it (its APPLIED verdict), so a value it refuses
	 * never reaches the file; without any verdict (the component is stopped, say) after
	 * {@link #VERDICT_MILLIS}, what Configuration Admin holds then is written.
	 */
	@Override
	public void configurationEvent(ConfigurationEvent event) {
		if (event.getType() != ConfigurationEvent.CM_UPDATED || event.getFactoryPid() != null) {
			return;
		}
		String pid = event.getPid();
		if (pid.startsWith(ConfigGate.GATEWAY_PIDS)) {
			// a write already pending (after a verdict, or a fallback) will write what CM holds then
			awaiting.compute(pid, (p, pending) -> pending != null && !pending.isDone() ? pending
					: writer.schedule(() -> writeBack(pid), VERDICT_MILLIS, TimeUnit.MILLISECONDS));
		} else {
			writeBack(pid);
		}
	}

	/**
	 * A component's verdict on its new configuration: write it if applied. If refused, the
	 * component sets Configuration Admin back right after its verdict, and the file is made to
	 * match that shortly after (it differs only when the operator's own edit of the file was refused).
	 */
	@Override
	public void handleEvent(Event event) {
		if (!(event.getProperty(ConfigVerdict.PID) instanceof String pid)) {
			return;
		}
		boolean applied = event.getTopic().equals(ConfigVerdict.TOPIC_APPLIED);
		ScheduledFuture<?> previous = awaiting.put(pid,
				writer.schedule(() -> writeBack(pid), applied ? 0 : RESTORE_MILLIS, TimeUnit.MILLISECONDS));
		if (previous != null) {
			previous.cancel(false);
		}
	}

	/** Writes what Configuration Admin holds for {@code pid} into its file, if it passes the Metatype checks. */
	private void writeBack(String pid) {
		Path file = dir.resolve(pid + SUFFIX);
		synchronized (this) {
			try {
				if (!Files.isRegularFile(file)) {
					return;
				}
				Configuration[] configs = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
				if (configs == null) {
					return;
				}
				Map<String, String> held = current(configs[0]);
				Map<String, String> problems = schema.problemsByKey(pid, held, false);
				if (!problems.isEmpty()) {
					log.error("{}: not written, Configuration Admin holds a refused value: {}", file, String.join("; ", problems.values()));
					return;
				}
				CfgFile cfg = CfgFile.read(file);
				Map<String, String> inFile = cfg.values();
				Map<String, String> now = new LinkedHashMap<>();
				held.forEach((key, value) -> {
					// a default value stays commented out unless the operator wrote the key
					if (inFile.containsKey(key) || !value.equals(schema.defaultText(pid, key))) {
						now.put(key, value);
					}
				});
				synced.put(pid, now);
				if (now.equals(inFile)) {
					return;
				}
				cfg.update(now).write(file);
				log.info("{}: updated from Configuration Admin ({})", file, changes(pid, inFile, now));
			} catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
				log.error("{}: could not write the changed configuration of {}: {}", file, pid, e.getMessage());
			}
		}
	}

	/** The configuration's own keys as text. */
	static Map<String, String> current(Configuration configuration) {
		return ConfigSchema.texts(configuration.getProperties());
	}

	/** "key: old -> new" for changed keys, secrets masked. */
	private String changes(String pid, Map<String, String> before, Map<String, String> after) {
		StringBuilder sb = new StringBuilder();
		java.util.Set<String> keys = new java.util.TreeSet<>(before.keySet());
		keys.addAll(after.keySet());
		for (String key : keys) {
			String old = before.get(key);
			String now = after.get(key);
			if (!Objects.equals(old, now)) {
				sb.append(sb.length() == 0 ? "" : ", ").append(key).append(": ")
						.append(old == null ? "(default)" : schema.shown(pid, key, old)).append(" -> ")
						.append(now == null ? "(default)" : schema.shown(pid, key, now));
			}
		}
		return sb.toString();
	}
}
