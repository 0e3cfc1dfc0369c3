package org.mobilegt.gateway.app.console;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.apache.felix.webconsole.spi.ConfigurationHandler;
import org.apache.felix.webconsole.spi.ValidationException;
import org.mobilegt.gateway.app.config.ConfigEditor;
import org.mobilegt.gateway.app.config.ConfigEditor.Outcome;
import org.mobilegt.gateway.app.config.ConfigSchema;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.AttributeDefinition;

/**
 * The Web Console's Configuration page goes through the same checks as {@code vpn:set}: the Web
 * Console calls this handler before it stores a configuration, and a {@link ValidationException}
 * makes it answer 400 with the message and store nothing.
 * <p>
 * For a gateway PID ({@code mobilegt.*}) the values are checked against Metatype (type, range,
 * options, cardinality); then the change is applied through {@link ConfigEditor} and the component's
 * verdict awaited, so a value only the component can judge (a port in use, a subnet the kernel
 * refuses) is refused here too, with the component's own message, the previous configuration
 * running and {@code conf/<pid>.cfg} untouched.
 */
@Component
public final class ConsoleConfigCheck implements ConfigurationHandler {

	/** What the Web Console puts in a password field it does not show. */
	static final String PASSWORD_PLACEHOLDER = "unmodified";

	private final ConfigEditor editor;
	private final Logger log;

	@Activate
	public ConsoleConfigCheck(@Reference ConfigEditor editor, @Reference(service = LoggerFactory.class) Logger log) {
		this.editor = editor;
		this.log = log;
	}

	@Override
	public void updateConfiguration(String factoryPid, String pid, Dictionary<String, Object> props)
			throws ValidationException, IOException {
		if (factoryPid != null || pid == null || !pid.startsWith("mobilegt.")) {
			return;
		}
		ConfigSchema schema = editor.schema();
		Map<String, AttributeDefinition> ads = schema.attributes(pid);
		if (ads.isEmpty()) {
			return;
		}
		Map<String, String> configured = editor.configured(pid);
		Hashtable<String, Object> next = new Hashtable<>();
		for (String key : Collections.list(props.keys())) {
			Object value = props.get(key);
			AttributeDefinition ad = ads.get(key);
			if (ad != null && ad.getType() == AttributeDefinition.PASSWORD && PASSWORD_PLACEHOLDER.equals(value)) {
				String stored = configured.get(key); // the secret the page did not show stays
				if (stored != null) {
					next.put(key, stored);
				}
			} else if (!key.startsWith("service.")) {
				next.put(key, value);
			}
		}
		Map<String, String> problems = schema.problemsByKey(pid, ConfigSchema.texts(next), true);
		if (!problems.isEmpty()) {
			throw refused(pid + ": " + String.join("; ", problems.values()) + "; nothing changed");
		}
		Outcome outcome;
		try {
			outcome = editor.apply(pid, next, pid + " (from the Web Console)");
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw refused(pid + ": interrupted while waiting for the component; nothing changed");
		}
		if (!outcome.applied()) {
			throw refused(pid + ": " + outcome.message());
		}
	}

	private ValidationException refused(String message) {
		log.error("Web Console: configuration refused: {}", message);
		return new ValidationException(message);
	}

	@Override
	public void createConfiguration(String pid) {
		// nothing to check: a new configuration has no values yet
	}

	@Override
	public void createFactoryConfiguration(String factoryPid, String name) {
		// the gateway has no factory configurations
	}

	@Override
	public void deleteConfiguration(String factoryPid, String pid) {
		// deleting puts the defaults back, which are valid
	}
}
