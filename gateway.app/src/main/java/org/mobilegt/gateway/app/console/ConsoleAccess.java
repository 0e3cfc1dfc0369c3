package org.mobilegt.gateway.app.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.common.PrivateFiles;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Guards the Web Console with the operator's credentials. The framework property
 * {@code felix.webconsole.security.providers=mobilegt} keeps the console closed until this
 * provider is registered, so the console's built-in admin/admin never works. Without a configured
 * password a random one is generated at first start and kept in the framework's data area.
 * <p>
 * Also points the HTTP service at the configured bind address and port.
 * <p>
 * The configuration is required: {@link org.mobilegt.gateway.app.config.ConfigDirectory} creates it
 * after the logging configuration, so that this component's first-start notice is not logged while
 * the logging backend reconfigures itself.
 */
@Component(configurationPid = ConsoleConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true, property = SecurityProvider.PROPERTY_ID + "=" + ConsoleAccess.ID)
@Designate(ocd = ConsoleConfig.class)
public final class ConsoleAccess implements SecurityProvider, Credentials {

	static final String ID = "mobilegt";
	static final String PASSWORD_FILE = "console-password";
	private static final String REALM = "mobilegt gateway";

	private final BundleContext context;
	private final ConfigurationAdmin cm;
	private final Logger log;
	private final LiveConfig<ConsoleConfig, ConsoleSettings> live;
	private volatile byte[] user;
	private volatile byte[] passwordDigest;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile EventAdmin events;

	/** A first configuration the console cannot run with fails the activation: the console stays closed. */
	@Activate
	public ConsoleAccess(BundleContext context, ConsoleConfig config, Map<String, Object> properties, @Reference ConfigurationAdmin cm,
			@Reference(service = LoggerFactory.class) Logger log) throws IOException {
		this.context = context;
		this.cm = cm;
		this.log = log;
		this.live = new LiveConfig<>(ConsoleConfig.PID, ConsoleConfig.class, ConsoleSettings::of, log, () -> events, () -> cm);
		use(live.start(config, properties));
	}

	@Modified
	synchronized void modified(ConsoleConfig config, Map<String, Object> properties) {
		live.update(config, properties, this::use);
	}

	private void use(ConsoleSettings config) throws IOException {
		String password = config.password();
		String where;
		boolean generated = false;
		if (password.isEmpty()) {
			Path file = context.getDataFile(PASSWORD_FILE).toPath();
			generated = !Files.exists(file);
			password = generatedPassword(file);
			where = "password in " + file;
		} else {
			where = "password from configuration " + ConsoleConfig.PID;
		}
		byte[] digest = password.startsWith(ConsoleSettings.SHA256) ? ConsoleSettings.digest(password)
				: sha256(password.getBytes(StandardCharsets.UTF_8));
		HttpBinding.bind(cm, config);
		user = config.username().getBytes(StandardCharsets.UTF_8);
		passwordDigest = digest;
		String access = "Web Console: http://" + config.host() + ":" + config.port() + "/system/console, user "
				+ config.username() + ", " + where;
		log.info(access);
		if (config.metrics()) {
			log.warn("{} metrics=true is no longer used: /metrics and /health are served by mobilegt.metrics", ConsoleConfig.PID);
		}
		if (generated) {
			// First start only: the log backend is still being configured from the default files, and
			// the operator must learn where the generated password is, so this goes to stdout as well.
			System.out.println(access + " (generated; set " + ConsoleConfig.PID + " password to choose one)");
		}
	}

	/** The generated password, created at random in {@code file} if missing. */
	private static String generatedPassword(Path file) throws IOException {
		if (!Files.exists(file)) {
			byte[] random = new byte[15];
			new SecureRandom().nextBytes(random);
			PrivateFiles.createNew(file,
					(Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n").getBytes(StandardCharsets.UTF_8));
		}
		return Files.readString(file).strip();
	}

	@Override
	public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
		if (check(request.getHeader("Authorization"))) {
			return new String(user, StandardCharsets.UTF_8);
		}
		response.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
		try {
			response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
		} catch (IOException e) {
			// the client went away
		}
		return null;
	}

	@Override
	public boolean check(String authorization) {
		if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
			return false;
		}
		byte[] decoded;
		try {
			decoded = Base64.getDecoder().decode(authorization.substring(6).strip());
		} catch (IllegalArgumentException e) {
			return false;
		}
		int colon = indexOf(decoded, (byte) ':');
		if (colon < 0) {
			return false;
		}
		byte[] u = java.util.Arrays.copyOf(decoded, colon);
		byte[] p = java.util.Arrays.copyOfRange(decoded, colon + 1, decoded.length);
		// Both comparisons always run, in constant time for the digests.
		boolean userOk = MessageDigest.isEqual(sha256(u), sha256(user));
		boolean passwordOk = MessageDigest.isEqual(sha256(p), passwordDigest);
		return userOk & passwordOk;
	}

	@Override
	public boolean authorize(Object user, String role) {
		return true;
	}

	@Override
	public void logout(HttpServletRequest request, HttpServletResponse response) {
		// Basic authentication has no server-side session to end.
	}

	private static int indexOf(byte[] b, byte v) {
		for (int i = 0; i < b.length; i++) {
			if (b[i] == v) {
				return i;
			}
		}
		return -1;
	}

	static byte[] sha256(byte[] data) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(data);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is required of every JVM", e);
		}
	}
}
