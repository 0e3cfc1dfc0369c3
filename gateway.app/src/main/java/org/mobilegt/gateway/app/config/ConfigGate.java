package org.mobilegt.gateway.app.config;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.common.Daemons;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.MetaTypeService;

/**
 * The last gate before a gateway component ({@code mobilegt.*} PIDs) sees a configuration,
 * whatever wrote it: a Configuration Admin plugin, so it also covers callers that go straight to
 * the ConfigurationAdmin API (another bundle, Gogo's cm commands), which the file, {@code vpn:set}
 * and console checks never see.
 * <p>
 * Why a plugin rather than checks in each component: the Metatype rules (type, min/max, options,
 * cardinality) are declared once in each component's annotations and apply to every key, including
 * keys added later, without code in the components; and a plugin runs <em>before</em> delivery, so
 * a component never runs, even for a moment, with a value outside its declared range. What only a
 * component can judge (a port in use, a CIDR the kernel refuses) stays in the component, which
 * refuses and restores through {@link ConfigRejection}; both post the verdicts of {@link ConfigVerdict}.
 * <p>
 * A configuration breaking a rule is not delivered: the component gets the last configuration
 * that passed (or, if none did yet, this one without the bad keys, i.e. their defaults), the
 * refusal is logged and posted as a REJECTED verdict naming pid, key, value and rule, and
 * Configuration Admin is set back, so the value is neither persisted nor written to
 * {@code conf/<pid>.cfg} (which {@link ConfigDirectory} only writes for what passed).
 */
@Component(property = ConfigurationPlugin.CM_RANKING + ":Integer=500")
public final class ConfigGate implements ConfigurationPlugin {

	static final String GATEWAY_PIDS = "mobilegt.";

	private final ConfigSchema schema;
	private final ConfigurationAdmin cm;
	private final Logger log;
	private final Map<String, Dictionary<String, Object>> lastGood = new ConcurrentHashMap<>();
	/** Configuration Admin is not called back from inside its own delivery. */
	private final ExecutorService restorer = Executors.newSingleThreadExecutor(Daemons.named("mobilegt-config-restore"));

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile EventAdmin events;

	@Activate
	public ConfigGate(BundleContext context, @Reference MetaTypeService metaType, @Reference ConfigurationAdmin cm,
			@Reference(service = LoggerFactory.class) Logger log) {
		this.schema = new ConfigSchema(context, metaType);
		this.cm = cm;
		this.log = log;
	}

	@Deactivate
	void deactivate() {
		restorer.shutdownNow();
	}

	@Override
	public void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
		if (!(properties.get(Constants.SERVICE_PID) instanceof String pid) || !pid.startsWith(GATEWAY_PIDS)
				|| properties.get(ConfigurationAdmin.SERVICE_FACTORYPID) != null) {
			return;
		}
		Map<String, String> problems = schema.problemsByKey(pid, ConfigSchema.texts(properties), false);
		if (problems.isEmpty()) {
			lastGood.put(pid, copy(properties));
			return;
		}
		Dictionary<String, Object> replacement = lastGood.get(pid);
		if (replacement == null) {
			replacement = copy(properties);
			problems.keySet().forEach(replacement::remove);
		}
		for (String key : Collections.list(properties.keys())) {
			if (!key.startsWith("service.")) {
				properties.remove(key);
			}
		}
		Dictionary<String, Object> kept = replacement;
		Collections.list(kept.keys()).forEach(k -> properties.put(k, kept.get(k)));

		String message = pid + ": " + String.join("; ", problems.values());
		log.error("Configuration {} refused, keeping the previous one: {}", pid, message);
		EventAdmin ea = events;
		if (ea != null) {
			Map<String, Object> props = new HashMap<>();
			props.put(ConfigVerdict.PID, pid);
			props.put(ConfigVerdict.KEY, problems.keySet().iterator().next());
			props.put(ConfigVerdict.MESSAGE, message);
			ea.postEvent(new Event(ConfigVerdict.TOPIC_REJECTED, props));
		}
		restorer.execute(() -> restore(pid, kept));
	}

	/** Sets Configuration Admin back to what the component runs with. */
	private void restore(String pid, Dictionary<String, Object> kept) {
		try {
			Hashtable<String, Object> values = new Hashtable<>();
			Collections.list(kept.keys()).stream().filter(k -> !k.startsWith("service.")).forEach(k -> values.put(k, kept.get(k)));
			cm.getConfiguration(pid, "?").updateIfDifferent(values);
		} catch (IOException | RuntimeException e) {
			log.error("Could not restore the previous configuration of {}: {}", pid, e.getMessage());
		}
	}

	private static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
		Hashtable<String, Object> c = new Hashtable<>();
		Collections.list(d.keys()).forEach(k -> c.put(k, d.get(k)));
		return c;
	}
}
