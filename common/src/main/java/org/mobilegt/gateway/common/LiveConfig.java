package org.mobilegt.gateway.common;

import java.lang.annotation.Annotation;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;

/**
 * The live-configuration protocol of a component, stated once: derive the checked settings from
 * the configuration annotation ({@code C}, where the range checks live), apply them, and announce
 * the verdict of {@link org.mobilegt.gateway.config.api.ConfigVerdict}. A configuration that cannot
 * be derived or applied is rejected: the component keeps its previous one, which is written back
 * into Configuration Admin ({@link ConfigRejection}).
 *
 * @param <C> the component's configuration annotation
 * @param <S> its checked settings
 */
public final class LiveConfig<C extends Annotation, S> {

	/** Settings from a configuration, or a {@link ConfigValueException} naming the bad value. */
	@FunctionalInterface
	public interface Derive<C, S> {
		S of(C config) throws ConfigValueException;
	}

	/** Puts settings to work; on failure the component must still run with its previous settings. */
	@FunctionalInterface
	public interface Apply<S> {
		void apply(S next) throws Exception;
	}

	private final String pid;
	private final Class<C> type;
	private final Derive<C, S> derive;
	private final Logger log;
	private final Supplier<EventAdmin> events;
	private final Supplier<ConfigurationAdmin> configurationAdmin;
	private Map<String, Object> properties;

	/**
	 * {@code events} and {@code configurationAdmin} supply the component's (optional, dynamic)
	 * references at the time of a verdict; either may supply null.
	 */
	public LiveConfig(String pid, Class<C> type, Derive<C, S> derive, Logger log, Supplier<EventAdmin> events,
			Supplier<ConfigurationAdmin> configurationAdmin) {
		this.pid = pid;
		this.type = type;
		this.derive = derive;
		this.log = log;
		this.events = events;
		this.configurationAdmin = configurationAdmin;
	}

	/** The settings of the configuration the component activates with; no verdict is announced. */
	public synchronized S start(C config, Map<String, Object> properties) throws ConfigValueException {
		S settings = derive.of(config);
		this.properties = properties;
		return settings;
	}

	/** The component properties of the configuration the component runs with (null before one). */
	public synchronized Map<String, Object> properties() {
		return properties;
	}

	/**
	 * Derives and applies a new configuration and announces APPLIED (unless it is the running one
	 * again); a failure is a rejection. Returns whether it was applied.
	 */
	public boolean update(C config, Map<String, Object> next, Apply<S> apply) {
		return update(config, next, apply, null);
	}

	/**
	 * As {@link #update(Annotation, Map, Apply)}, but when {@code nothingToKeep} is not null the
	 * component runs with no working configuration (say its socket never bound): a failure is then
	 * no rejection, as there is nothing to restore, and goes to {@code nothingToKeep} instead.
	 */
	public synchronized boolean update(C config, Map<String, Object> next, Apply<S> apply, Consumer<Exception> nothingToKeep) {
		try {
			apply.apply(derive.of(config));
		} catch (Exception e) {
			if (nothingToKeep != null) {
				nothingToKeep.accept(e);
			} else {
				// nothing applied yet: nothing to restore
				ConfigurationAdmin restore = properties == null ? null : configurationAdmin.get();
				ConfigRejection.rejected(log, events.get(), restore, pid, type, properties, e);
			}
			return false;
		}
		Map<String, Object> previous = properties;
		properties = next;
		ConfigRejection.applied(events.get(), pid, previous, next);
		return true;
	}
}
