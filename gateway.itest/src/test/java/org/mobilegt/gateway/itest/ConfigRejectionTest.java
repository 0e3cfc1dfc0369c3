package org.mobilegt.gateway.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mobilegt.gateway.tun.api.TunStatus;
import org.mobilegt.gateway.tunnel.api.TunnelStats;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** A configuration a component cannot apply is refused and the previous one keeps running. */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
class ConfigRejectionTest {

	static final String REJECTED = "org/mobilegt/gateway/config/REJECTED";

	@InjectBundleContext
	BundleContext context;
	@InjectService(timeout = 5000)
	ConfigurationAdmin cm;

	private final BlockingQueue<Event> rejections = new LinkedBlockingQueue<>();
	private final BlockingQueue<ConfigurationEvent> updates = new LinkedBlockingQueue<>();
	private ServiceRegistration<EventHandler> handler;
	private ServiceRegistration<ConfigurationListener> listener;

	@BeforeEach
	void listen() {
		Dictionary<String, Object> props = new Hashtable<>();
		props.put(EventConstants.EVENT_TOPIC, REJECTED);
		handler = context.registerService(EventHandler.class, rejections::add, props);
		listener = context.registerService(ConfigurationListener.class, updates::add, null);
	}

	@AfterEach
	void stopListening() {
		handler.unregister();
		listener.unregister();
	}

	@Test
	void aTunnelPortInUseIsRefusedAndTheSocketStays(@InjectService(timeout = 5000) TunnelStats tunnel) throws Exception {
		String before = tunnel.socketStatus();
		assertThat(before).startsWith("listening on");
		try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("0.0.0.0", 0))) {
			Configuration config = cm.getConfiguration("mobilegt.tunnel", "?");
			config.update(with(config, "port", taken.getLocalPort()));
			Event event = rejections.poll(10, TimeUnit.SECONDS);
			assertThat(event).as("REJECTED event").isNotNull();
			assertThat(event.getProperty("pid")).isEqualTo("mobilegt.tunnel");
			assertThat((String) event.getProperty("message")).contains("in use");
			assertThat(tunnel.socketStatus()).isEqualTo(before);
			awaitRestored(config, "port", taken.getLocalPort());
		}
	}

	@Test
	void anInvalidSubnetIsRefusedAndTheTunKeepsItsRoute(@InjectService(timeout = 5000) TunStatus tun) throws Exception {
		assumeTrue(tun.up(), "SKIPPED: no TUN device (not root, outside a network namespace): " + tun.summary());
		Configuration config = cm.getConfiguration("mobilegt.tun", "?");
		config.update(with(config, "subnet", "10.77.0.0/33"));
		Event event = rejections.poll(10, TimeUnit.SECONDS);
		assertThat(event).as("REJECTED event").isNotNull();
		assertThat(event.getProperty("key")).isEqualTo("subnet");
		assertThat(tun.summary()).contains("subnet 10.77.0.0/16");
		awaitRestored(config, "subnet", "10.77.0.0/33");
	}

	/**
	 * Straight through the ConfigurationAdmin API, past every file, console and vpn:set check: a
	 * value outside its Metatype range (logSize 5, min 10) is stopped by the gateway's
	 * ConfigurationPlugin and set back before it reaches the component (whose own check, the last
	 * line, would answer "must be between" rather than "is invalid").
	 */
	@Test
	void aValueOutsideItsMetatypeRangeIsStoppedOnTheConfigurationAdminPath() throws Exception {
		Configuration config = cm.getConfiguration("mobilegt.auth", "?");
		config.update(with(config, "logSize", 5));
		Event event = rejections.poll(10, TimeUnit.SECONDS);
		assertThat(event).as("REJECTED event").isNotNull();
		assertThat(event.getProperty("pid")).isEqualTo("mobilegt.auth");
		assertThat(event.getProperty("key")).isEqualTo("logSize");
		assertThat((String) event.getProperty("message")).contains("logSize", "5", "is invalid");
		awaitRestored(config, "logSize", 5);
	}

	private static Dictionary<String, Object> with(Configuration config, String key, Object value) {
		Dictionary<String, Object> props = config.getProperties() == null ? new Hashtable<>() : config.getProperties();
		props.put(key, value);
		return props;
	}

	/** The component writes its previous values back: the bad one must disappear. */
	private void awaitRestored(Configuration config, String key, Object bad) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		Object now = value(config, key);
		while (bad.equals(now) && System.nanoTime() < deadline) {
			updates.poll(100, TimeUnit.MILLISECONDS); // woken by the next configuration event
			now = value(config, key);
		}
		assertThat(now).as("configuration " + key + " after the rejection").isNotEqualTo(bad);
	}

	private static Object value(Configuration config, String key) {
		Dictionary<String, Object> props = config.getProperties();
		return props == null ? null : props.get(key);
	}
}
