package org.mobilegt.gateway.app.connlog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.common.RateGate;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Writes the connection log from the session events. An asynchronous EventAdmin handler: the data
 * path only posts the event, the file is written on EventAdmin's thread. Opens and roams are rate
 * limited (a flood of handshakes must not fill the disk); a close line is never held back, since
 * it is the one that carries the session's duration and traffic.
 */
@Component(immediate = true, configurationPid = ConnLogConfig.PID,
		property = EventConstants.EVENT_TOPIC + "=org/mobilegt/gateway/session/*")
@Designate(ocd = ConnLogConfig.class)
public final class ConnectionLog implements EventHandler {

	private final Logger log;
	private RotatingFile file;
	private final LiveConfig<ConnLogConfig, ConnLogConfig> live;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile ConfigurationAdmin configurationAdmin;
	private RateGate opens;
	private boolean failing;

	@Activate
	public ConnectionLog(ConnLogConfig config, Map<String, Object> properties, @Reference(service = LoggerFactory.class) Logger log) {
		this.log = log;
		// the values are Metatype-checked; whether the file can be written is checked in use()
		this.live = new LiveConfig<>(ConnLogConfig.PID, ConnLogConfig.class, c -> c, log, () -> events, () -> configurationAdmin);
		modified(config, properties);
	}

	@Modified
	synchronized void modified(ConnLogConfig config, Map<String, Object> newProperties) {
		live.update(config, newProperties, this::use);
	}

	/** The new file is opened first: one that cannot be written is refused, the old one stays. */
	private void use(ConnLogConfig config) {
		RotatingFile next = new RotatingFile(Path.of(config.file()), config.maxFileSizeMiB() * 1024L * 1024L, config.files());
		try {
			next.open();
		} catch (IOException | RuntimeException e) {
			throw new ConfigValueException(ConnLogConfig.PID, "file", config.file(), "cannot be written: " + e);
		}
		deactivate();
		file = next;
		opens = new RateGate(config.maxOpensPerSecond(), 1000);
	}

	@Deactivate
	synchronized void deactivate() {
		if (file != null) {
			try {
				file.close();
			} catch (IOException e) {
				log.warn("Closing the connection log: {}", e.toString());
			}
		}
	}

	@Override
	public synchronized void handleEvent(Event event) {
		String name = ConnectionLine.event(event.getTopic());
		if (name == null) {
			return;
		}
		long now = System.currentTimeMillis();
		try {
			if (!name.equals("close")) {
				long held = opens.admit(now);
				if (held < 0) {
					return;
				}
				if (held > 0) {
					file.append(ConnectionLine.suppressed(held, now));
				}
			}
			file.append(ConnectionLine.of(name, event::getProperty, now));
			failing = false;
		} catch (IOException e) {
			if (!failing) { // once per failure, not once per line
				log.error("Cannot write the connection log: {}", e.toString());
				failing = true;
			}
		}
	}
}
