package org.mobilegt.gateway.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

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
		return send(ns, method, url, user, password, headers, "application/x-www-form-urlencoded",
				form == null ? null : form.getBytes(StandardCharsets.UTF_8), timeout);
	}

	/**
	 * POST {@code url} from inside {@code ns} as {@code multipart/form-data}: the text {@code fields}
	 * and {@code file} as the part named {@code fileField} (a browser's file upload).
	 */
	public static Response postMultipart(String ns, String url, String user, String password, Duration timeout,
			Map<String, String> fields, String fileField, Path file) throws IOException {
		String boundary = "mgt-" + UUID.randomUUID();
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		for (Map.Entry<String, String> f : fields.entrySet()) {
			body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n"
					+ f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
		}
		body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
				+ file.getFileName() + "\"\r\nContent-Type: application/java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
		body.writeBytes(Files.readAllBytes(file));
		body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
		// the Web Console's own upload: a script's request (the console refuses forms from elsewhere)
		return send(ns, "POST", url, user, password, Map.of("X-Requested-With", "XMLHttpRequest"),
				"multipart/form-data; boundary=" + boundary, body.toByteArray(),
				timeout);
	}

	private static Response send(String ns, String method, String url, String user, String password, Map<String, String> headers,
			String contentType, byte[] content, Duration timeout) {
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
				if (content != null) {
					c.setDoOutput(true);
					c.setRequestProperty("Content-Type", contentType);
					c.setFixedLengthStreamingMode(content.length);
					try (OutputStream out = c.getOutputStream()) {
						out.write(content);
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
