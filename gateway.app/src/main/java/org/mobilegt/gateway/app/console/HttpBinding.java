package org.mobilegt.gateway.app.console;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Objects;

import org.mobilegt.gateway.common.ConfigValueException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Points the HTTP service (Jetty) at the console's address and port. Jetty binds later and on
 * failure just logs, leaving the console unreachable; so an address or port that cannot be bound
 * is refused here first, while the running console still serves.
 */
final class HttpBinding {

	static final String HTTP_PID = "org.apache.felix.http";
	static final String HOST = "org.apache.felix.http.host";
	static final String PORT = "org.osgi.service.http.port";

	private HttpBinding() {
	}

	static void bind(ConfigurationAdmin cm, ConsoleSettings s) throws IOException {
		Configuration http = cm.getConfiguration(HTTP_PID, "?");
		Dictionary<String, Object> props = http.getProperties();
		Hashtable<String, Object> next = new Hashtable<>();
		if (props != null) {
			for (var keys = props.keys(); keys.hasMoreElements();) {
				String k = keys.nextElement();
				next.put(k, props.get(k));
			}
		}
		probe(s, next.get(HOST), next.get(PORT));
		next.put(HOST, s.host());
		next.put(PORT, s.port());
		next.put("org.apache.felix.http.jetty.sendServerHeader", false);
		http.updateIfDifferent(next);
	}

	/**
	 * Binds a socket where Jetty is to listen and closes it. Where Jetty already listens (same
	 * host and port) there is nothing to learn; on its port with another host only the address is
	 * tried (port 0), as Jetty's own socket holds the port.
	 */
	private static void probe(ConsoleSettings s, Object host, Object port) {
		boolean samePort = Objects.equals(String.valueOf(s.port()), String.valueOf(port));
		if (samePort && s.host().equals(host)) {
			return;
		}
		try (ServerSocket socket = new ServerSocket()) {
			socket.bind(new InetSocketAddress(s.bind().toInetAddress(), samePort ? 0 : s.port()));
		} catch (IOException e) {
			throw samePort ? new ConfigValueException(ConsoleConfig.PID, "bind", s.host(), "cannot be bound: " + e.getMessage())
					: new ConfigValueException(ConsoleConfig.PID, "port", s.port(),
							"cannot be bound on " + s.host() + ": " + e.getMessage());
		}
	}
}
