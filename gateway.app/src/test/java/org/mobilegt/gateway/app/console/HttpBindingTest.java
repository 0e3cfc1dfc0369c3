package org.mobilegt.gateway.app.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

class HttpBindingTest {

	/** The HTTP service's configuration as Configuration Admin holds it. */
	Hashtable<String, Object> http;

	@SuppressWarnings("unchecked")
	final Configuration configuration = (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
			new Class<?>[] { Configuration.class }, (p, m, a) -> switch (m.getName()) {
			case "getProperties" -> http == null ? null : new Hashtable<>(http);
			case "updateIfDifferent" -> {
				http = new Hashtable<>((Map<String, Object>) toMap((Dictionary<String, Object>) a[0]));
				yield true;
			}
			default -> throw new UnsupportedOperationException(m.getName());
			});
	final ConfigurationAdmin cm = (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
			new Class<?>[] { ConfigurationAdmin.class }, (p, m, a) -> {
				assertThat(a[0]).isEqualTo(HttpBinding.HTTP_PID);
				return configuration;
			});

	static Map<String, Object> toMap(Dictionary<String, Object> d) {
		Map<String, Object> m = new HashMap<>();
		for (var keys = d.keys(); keys.hasMoreElements();) {
			String k = keys.nextElement();
			m.put(k, d.get(k));
		}
		return m;
	}

	static ConsoleSettings console(int port) {
		return ConsoleSettings.of(Annotations.of(ConsoleConfig.class, Map.of("port", port)));
	}

	@Test
	void aFreePortIsGivenToTheHttpService() throws Exception {
		int port;
		try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = s.getLocalPort();
		}
		HttpBinding.bind(cm, console(port));
		assertThat(http).containsEntry(HttpBinding.HOST, "127.0.0.1").containsEntry(HttpBinding.PORT, port);
	}

	@Test
	void aPortInUseIsRefusedAndTheHttpServiceKeepsItsOwn() throws Exception {
		http = new Hashtable<>(Map.of(HttpBinding.HOST, "127.0.0.1", HttpBinding.PORT, 1));
		try (ServerSocket taken = new ServerSocket()) {
			taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			assertThatThrownBy(() -> HttpBinding.bind(cm, console(taken.getLocalPort())))
					.isInstanceOfSatisfying(ConfigValueException.class, e -> {
						assertThat(e.key()).isEqualTo("port");
						assertThat(e.getMessage()).contains("cannot be bound on 127.0.0.1");
					});
		}
		assertThat(http).containsEntry(HttpBinding.PORT, 1);
	}

	@Test
	void whereJettyAlreadyListensNothingIsTried() throws Exception {
		try (ServerSocket jetty = new ServerSocket()) {
			jetty.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			http = new Hashtable<>(Map.of(HttpBinding.HOST, "127.0.0.1", HttpBinding.PORT, jetty.getLocalPort()));
			HttpBinding.bind(cm, console(jetty.getLocalPort()));
		}
		assertThat(http).containsEntry("org.apache.felix.http.jetty.sendServerHeader", false);
	}
}
