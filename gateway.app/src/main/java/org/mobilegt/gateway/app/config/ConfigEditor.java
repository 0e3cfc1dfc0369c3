package org.mobilegt.gateway.app.config;

import java.io.IOException;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeService;

/**
 * Changes one configuration value the way an operator expects: checked against Metatype first,
 * applied through Configuration Admin, then confirmed by the component itself (it posts APPLIED
 * or REJECTED), so {@code vpn:set} can say whether the change took effect or why not.
 */
@Component(service = { ConfigEditor.class, EventHandler.class }, property = EventConstants.EVENT_TOPIC + "=" + ConfigVerdict.TOPIC_ANY)
public final class ConfigEditor implements EventHandler {

	/** How long a component may take to answer a configuration change. */
	static final long VERDICT_MILLIS = 5000;

	/** The outcome of a change, one line for the operator. */
	public record Outcome(boolean applied, String message) {
	}

	private final ConfigurationAdmin cm;
	private final ConfigSchema schema;
	private final Logger log;
	private final List<BlockingQueue<Event>> waiting = new CopyOnWriteArrayList<>();

	@Activate
	public ConfigEditor(BundleContext context, @Reference ConfigurationAdmin cm, @Reference MetaTypeService metaType,
			@Reference(service = LoggerFactory.class) Logger log) {
		this.cm = cm;
		this.schema = new ConfigSchema(context, metaType);
		this.log = log;
	}

	public ConfigSchema schema() {
		return schema;
	}

	@Override
	public void handleEvent(Event event) {
		waiting.forEach(q -> q.add(event));
	}

	/** The configured values of {@code pid} as text (without defaults). */
	public Map<String, String> configured(String pid) throws IOException {
		return ConfigDirectory.current(cm.getConfiguration(pid, "?"));
	}

	/** Every attribute of {@code pid} with its effective value (configured, else default) as text. */
	public Map<String, String> effective(String pid) throws IOException {
		Map<String, String> configured = configured(pid);
		Map<String, String> values = new LinkedHashMap<>();
		for (AttributeDefinition ad : schema.attributes(pid).values()) {
			String v = configured.get(ad.getID());
			values.put(ad.getID(), v != null ? v : schema.defaultText(pid, ad.getID()));
		}
		configured.forEach(values::putIfAbsent);
		return values;
	}

	/** Sets {@code key} of {@code pid} to {@code value} and waits for the component's verdict. */
	public Outcome set(String pid, String key, String value) throws IOException, InterruptedException {
		// Gogo names the thread after the command line, and the log file shows thread names
		Thread self = Thread.currentThread();
		String name = self.getName();
		boolean mask = schema.secret(pid, key) && !value.isEmpty() && name.contains(value);
		if (mask) {
			self.setName(name.replace(value, ConfigSchema.MASK));
		}
		try {
			return checkAndApply(pid, key, value);
		} finally {
			if (mask) {
				self.setName(name);
			}
		}
	}

	private Outcome checkAndApply(String pid, String key, String value) throws IOException, InterruptedException {
		if (schema.attributes(pid).isEmpty()) {
			return new Outcome(false, pid + " is not a configuration the gateway knows");
		}
		List<String> problems = schema.validate(pid, Map.of(key, value));
		if (!problems.isEmpty()) {
			return new Outcome(false, pid + ": " + String.join("; ", problems) + "; nothing changed");
		}
		Map<String, String> values = new LinkedHashMap<>(configured(pid));
		values.put(key, value);
		return apply(pid, schema.convert(pid, values), pid + ": " + key + " = " + schema.shown(pid, key, value));
	}

	/**
	 * Makes {@code props} the configuration of {@code pid} and waits for the component's verdict;
	 * {@code shown} names the change in the outcome. The caller has checked the values against Metatype.
	 */
	public Outcome apply(String pid, Dictionary<String, Object> props, String shown) throws IOException, InterruptedException {
		BlockingQueue<Event> verdicts = new LinkedBlockingQueue<>();
		waiting.add(verdicts);
		try {
			Configuration configuration = cm.getConfiguration(pid, "?");
			if (!configuration.updateIfDifferent(props)) {
				return new Outcome(true, shown + " (unchanged)");
			}
			log.info("Configuration {} changed by an operator", shown);
			long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(VERDICT_MILLIS);
			while (true) {
				Event e = verdicts.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
				if (e == null) {
					return new Outcome(true, shown + " stored (the component did not confirm within "
							+ VERDICT_MILLIS / 1000 + " s; see vpn:status)");
				}
				if (pid.equals(e.getProperty(ConfigVerdict.PID))) {
					return e.getTopic().equals(ConfigVerdict.TOPIC_REJECTED)
							? new Outcome(false, "rejected: " + e.getProperty(ConfigVerdict.MESSAGE) + "; the previous value is kept")
							: new Outcome(true, shown + " applied");
				}
			}
		} finally {
			waiting.remove(verdicts);
		}
	}
}
