package org.mobilegt.gateway.app.ops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.LiveConfig;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

/**
 * {@code /metrics} (Prometheus text) and {@code /health} (JSON; 200 healthy, 503 not) on their own
 * port. The JDK's built-in HTTP server rather than a second Jetty: a whiteboard servlet is offered
 * to every HTTP whiteboard (the Web Console's too), while this server only ever knows these two
 * paths, so scraping can never reach the console, and it keeps working when the HTTP bundles are
 * stopped or being updated. One thread: scrapes are rare and small.
 */
@Component(immediate = true, configurationPid = MetricsConfig.PID)
@Designate(ocd = MetricsConfig.class)
public final class MetricsServer {

	private static final Gson GSON = new Gson();

	private final GatewayMetrics metrics;
	private final Operations ops;
	private final Logger log;
	private HttpServer server;
	private volatile byte[] token;
	private final LiveConfig<MetricsConfig, MetricsConfig> live;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile ConfigurationAdmin configurationAdmin;

	@Activate
	public MetricsServer(MetricsConfig config, Map<String, Object> properties, @Reference GatewayMetrics metrics,
			@Reference Operations ops, @Reference(service = LoggerFactory.class) Logger log) {
		this.metrics = metrics;
		this.ops = ops;
		this.log = log;
		// the values are Metatype-checked; what only binding can tell is checked in use()
		this.live = new LiveConfig<>(MetricsConfig.PID, MetricsConfig.class, c -> c, log, () -> events, () -> configurationAdmin);
		modified(config, properties);
	}

	/**
	 * A new address is bound before the old server stops: when it cannot be bound (port taken,
	 * no such address), the configuration is refused and the running server keeps serving.
	 */
	@Modified
	synchronized void modified(MetricsConfig config, Map<String, Object> newProperties) {
		live.update(config, newProperties, this::use);
	}

	private void use(MetricsConfig config) {
		InetSocketAddress address = new InetSocketAddress(config.bind(), config.port());
		HttpServer next = server;
		if (!config.enabled()) {
			next = null;
		} else if (server == null || !server.getAddress().equals(address)) {
			try {
				next = start(address);
			} catch (IOException | RuntimeException e) {
				throw new ConfigValueException(MetricsConfig.PID, "port", config.port(),
						"cannot be bound on " + config.bind() + ": " + e.getMessage());
			}
		}
		if (next != server) {
			deactivate();
			server = next;
		}
		token = config.token().isEmpty() ? null : config.token().getBytes(StandardCharsets.UTF_8);
		if (server != null) {
			log.info("Metrics and health on http://{}:{}/metrics and /health ({})", config.bind(), config.port(),
					token == null ? "loopback clients only" : "bearer token required");
		}
	}

	private HttpServer start(InetSocketAddress address) throws IOException {
		HttpServer s = HttpServer.create(address, 16);
		s.createContext("/", this::handle);
		s.setExecutor(Executors.newSingleThreadExecutor(Daemons.named("mobilegt-metrics")));
		s.start();
		return s;
	}

	@Deactivate
	synchronized void deactivate() {
		if (server != null) {
			server.stop(0);
			((ExecutorService) server.getExecutor()).shutdownNow();
			server = null;
		}
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			String path = exchange.getRequestURI().getPath();
			if (!allowed(exchange)) {
				send(exchange, 403, "text/plain", "forbidden\n");
			} else if (!path.equals("/metrics") && !path.equals("/health")) {
				send(exchange, 404, "text/plain", "not found: only /metrics and /health here\n");
			} else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
				exchange.getResponseHeaders().set("Allow", "GET, HEAD");
				send(exchange, 405, "text/plain", "GET or HEAD\n");
			} else if (path.equals("/metrics")) {
				ByteArrayOutputStream body = new ByteArrayOutputStream();
				PrometheusTextFormatWriter.create().write(body, metrics.snapshot(), EscapingScheme.ALLOW_UTF8);
				send(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, body.toString(StandardCharsets.UTF_8));
			} else {
				Health h = Health.of(ops.status(), Health.forwarding(Health.IP_FORWARD));
				send(exchange, h.healthy() ? 200 : 503, "application/json", GSON.toJson(h) + "\n");
			}
		} catch (RuntimeException e) {
			log.warn("Metrics request failed: {}", e.toString());
		}
	}

	/** With a token: the right bearer token from anywhere. Without: loopback clients only. */
	private boolean allowed(HttpExchange exchange) {
		byte[] expected = token;
		if (expected == null) {
			return exchange.getRemoteAddress().getAddress().isLoopbackAddress();
		}
		String header = exchange.getRequestHeaders().getFirst("Authorization");
		byte[] given = header != null && header.startsWith("Bearer ") ? header.substring(7).getBytes(StandardCharsets.UTF_8) : new byte[0];
		return MessageDigest.isEqual(expected, given);
	}

	private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", type);
		boolean head = exchange.getRequestMethod().equals("HEAD");
		exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
		if (!head) {
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(bytes);
			}
		}
	}
}
