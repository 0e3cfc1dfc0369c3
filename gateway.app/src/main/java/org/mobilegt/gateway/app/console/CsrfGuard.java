package org.mobilegt.gateway.app.console;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.mobilegt.gateway.app.ops.Views;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The one guard against cross-site requests for everything under {@code /system/console}. The
 * browser sends the console's Basic credentials with any request to it, a forged cross-site one
 * included, so authentication alone does not show that the operator meant it.
 * <p>
 * A request changes state when its method is not GET, HEAD or OPTIONS, or when it carries a
 * {@code post} parameter (the Web Console acts on {@code ?post=true&apply=true} even in a GET). Such
 * a request passes only when the browser says it comes from the console itself: {@code Origin} (and
 * {@code Sec-Fetch-Site}, when sent) name this very origin, or, without {@code Origin} (curl, a
 * same-origin GET), it carries {@code X-Requested-With}, a header that a cross-site form cannot
 * send and a cross-site script only after a CORS preflight, which the console never grants.
 * <p>
 * Registered on the HTTP whiteboard in the Web Console's own servlet context, so it sees every
 * console request before the console, its plugins and the VPN page do. It waits for the HTTP
 * runtime: a whiteboard filter appearing while Felix HTTP (re)starts Jetty (the console's bind
 * address is applied at start) can fail Jetty's start with a NullPointerException in
 * WhiteboardManager.activate, leaving the console unreachable.
 */
@Component(service = Filter.class, reference = @Reference(name = "runtime", service = HttpServiceRuntime.class), property = {
		HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_NAME + "=mobilegt-console-guard",
		HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_PATTERN + "=/*",
		HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT + "=(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME
				+ "=" + CsrfGuard.CONSOLE_CONTEXT + ")",
		"service.ranking:Integer=1000" })
public final class CsrfGuard implements Filter {

	/** The servlet context the Felix Web Console registers itself in. */
	static final String CONSOLE_CONTEXT = "org.apache.felix.webconsole";
	public static final String HEADER = "X-Requested-With";
	public static final String VALUE = "XMLHttpRequest";
	private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

	@Override
	public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
		if (req instanceof HttpServletRequest request && res instanceof HttpServletResponse response
				&& changesState(request.getMethod(), request.getQueryString())) {
			String refusal = refusal(request.getHeader(HEADER), request.getHeader("Origin"), request.getHeader("Sec-Fetch-Site"),
					request.getScheme(), request.getHeader("Host"));
			if (refusal != null) {
				refuse(response, HttpServletResponse.SC_FORBIDDEN, refusal + " (" + request.getMethod() + " "
						+ request.getRequestURI() + ")");
				return;
			}
		}
		chain.doFilter(req, res);
	}

	/** Whether a request with this method and query string may change state. */
	static boolean changesState(String method, String query) {
		if (method == null || !SAFE_METHODS.contains(method.toUpperCase(Locale.ROOT))) {
			return true;
		}
		if (query == null) {
			return false;
		}
		for (String pair : query.split("[&;]")) {
			String name = pair.split("=", 2)[0];
			try {
				name = URLDecoder.decode(name, StandardCharsets.UTF_8);
			} catch (IllegalArgumentException e) {
				return true; // undecodable: treat as the worst case
			}
			if (name.strip().equalsIgnoreCase("post")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Null when a state-changing request may pass, else why not. Arguments are the request's header
	 * values (null when absent), the scheme it arrived with and its {@code Host}.
	 */
	public static String refusal(String requestedWith, String origin, String secFetchSite, String scheme, String host) {
		if (origin != null && !sameOrigin(origin, scheme, host)) {
			return "cross-origin request refused (Origin " + origin + " is not this console, " + scheme + "://" + host + ")";
		}
		if (secFetchSite != null && !secFetchSite.equalsIgnoreCase("same-origin")) {
			return "cross-origin request refused (Sec-Fetch-Site: " + secFetchSite + ")";
		}
		if (origin != null) {
			return null;
		}
		if (requestedWith == null || requestedWith.isBlank()) {
			return "request without Origin refused: it must carry the header " + HEADER + ": " + VALUE
					+ " (state changes only from the console's own pages or scripts)";
		}
		return null;
	}

	/** Whether {@code origin} is scheme://host:port of the console as the request reached it. */
	private static boolean sameOrigin(String origin, String scheme, String host) {
		if (host == null || scheme == null) {
			return false;
		}
		try {
			URI o = new URI(origin);
			URI self = new URI(scheme + "://" + host.strip());
			return o.getScheme() != null && o.getHost() != null && o.getRawUserInfo() == null
					&& (o.getRawPath() == null || o.getRawPath().isEmpty()) && o.getRawQuery() == null
					&& o.getScheme().equalsIgnoreCase(self.getScheme()) && o.getHost().equalsIgnoreCase(self.getHost())
					&& port(o) == port(self);
		} catch (URISyntaxException e) {
			return false;
		}
	}

	private static int port(URI u) {
		return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
	}

	/** A refusal as the console's plugins answer errors: {@code {"error": "..."}}. */
	static void refuse(HttpServletResponse response, int status, String message) throws IOException {
		response.setStatus(status);
		response.setHeader("Cache-Control", "no-store");
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setCharacterEncoding("UTF-8");
		response.setContentType("application/json");
		response.getWriter().write(Views.json(Map.of("error", message)));
	}
}
