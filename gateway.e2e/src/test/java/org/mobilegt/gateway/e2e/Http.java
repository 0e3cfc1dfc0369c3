package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/** Plain HTTP requests from inside a namespace (the connection is made there, never pooled). */
public final class Http {

	public record Response(int status, String contentType, String body) {
	}

	private Http() {
	}

	/** GET {@code url} from inside {@code ns}; {@code user} null for no Basic authentication. */
	public static Response get(String ns, String url, String user, String password, Duration timeout) {
		return request(ns, "GET", url, user, password, Map.of(), null, timeout);
	}

	/**
	 * {@code method} on {@code url} from inside {@code ns}, with extra {@code headers} and, if not
	 * null, {@code form} as an application/x-www-form-urlencoded body (already encoded).
	 */
	public static Response request(String ns, String method, String url, String user, String password,
			Map<String, String> headers, String form, Duration timeout) {
		return Netns.inside(ns, timeout.plusSeconds(5), () -> {
			HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection(Proxy.NO_PROXY);
			try {
				c.setRequestMethod(method);
				c.setConnectTimeout((int) timeout.toMillis());
				c.setReadTimeout((int) timeout.toMillis());
				c.setInstanceFollowRedirects(false);
				// never kept alive: a pooled connection could be reused from another namespace
				c.setRequestProperty("Connection", "close");
				if (user != null) {
					String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
					c.setRequestProperty("Authorization", "Basic " + token);
				}
				headers.forEach(c::setRequestProperty);
				if (form != null) {
					c.setDoOutput(true);
					c.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
					try (OutputStream out = c.getOutputStream()) {
						out.write(form.getBytes(StandardCharsets.UTF_8));
					}
				}
				int status = c.getResponseCode();
				return new Response(status, c.getContentType(), body(status >= 400 ? c.getErrorStream() : c.getInputStream()));
			} finally {
				c.disconnect();
			}
		});
	}

	private static String body(InputStream in) throws IOException {
		if (in == null) {
			return "";
		}
		try (in) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}
}
