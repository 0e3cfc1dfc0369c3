package org.mobilegt.gateway.app.ops;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;

import org.mobilegt.gateway.app.console.ConsoleConfig;
import org.mobilegt.gateway.app.console.Credentials;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The Prometheus endpoint {@code /metrics}: off by default ({@code metrics} in mobilegt.console);
 * when on, it is registered on the HTTP whiteboard and answers only with the console's credentials.
 */
@Component(configurationPid = ConsoleConfig.PID, immediate = true)
public final class MetricsEndpoint {

	static final String PATH = "/metrics";

	private final BundleContext context;
	private final GatewayMetrics metrics;
	private final Credentials credentials;
	private ServiceRegistration<Servlet> registration;

	@Activate
	public MetricsEndpoint(BundleContext context, ConsoleConfig config, @Reference GatewayMetrics metrics,
			@Reference Credentials credentials) {
		this.context = context;
		this.metrics = metrics;
		this.credentials = credentials;
		modified(config);
	}

	@Modified
	synchronized void modified(ConsoleConfig config) {
		if (config.metrics() && registration == null) {
			Dictionary<String, Object> props = new Hashtable<>();
			props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, PATH);
			props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "mobilegt-metrics");
			registration = context.registerService(Servlet.class, new MetricsServlet(), props);
		} else if (!config.metrics()) {
			deactivate();
		}
	}

	@Deactivate
	synchronized void deactivate() {
		if (registration != null) {
			registration.unregister();
			registration = null;
		}
	}

	private final class MetricsServlet extends HttpServlet {
		private static final long serialVersionUID = 1L;

		@Override
		protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
			if (!credentials.check(request.getHeader("Authorization"))) {
				response.setHeader("WWW-Authenticate", "Basic realm=\"mobilegt gateway\", charset=\"UTF-8\"");
				response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
				return;
			}
			response.setContentType(PrometheusTextFormatWriter.CONTENT_TYPE);
			PrometheusTextFormatWriter.create().write(response.getOutputStream(), metrics.snapshot(), EscapingScheme.ALLOW_UTF8);
		}
	}
}
