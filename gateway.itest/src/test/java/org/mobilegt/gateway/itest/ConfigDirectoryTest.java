package org.mobilegt.gateway.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * An editor that saves in place truncates the file and then writes it, and may pause in between.
 * The configuration directory must apply only the finished file: a read of the empty or half
 * written file would, for a moment, put every default in place, the shared key's included, and
 * every client would fail its handshake.
 */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
class ConfigDirectoryTest {

	private static final String PID = "mobilegt.auth";

	@InjectBundleContext
	BundleContext context;
	@InjectService(timeout = 5000)
	ConfigurationAdmin cm;

	@Test
	void aFileSavedInPlaceIsAppliedOnlyOnceFinished() throws Exception {
		Path file = Path.of(context.getProperty("mobilegt.conf")).resolve(PID + ".cfg");
		Configuration config = cm.getConfiguration(PID, "?");
		String key = (String) config.getProperties().get("key");
		List<Dictionary<String, Object>> seen = new CopyOnWriteArrayList<>();
		ServiceRegistration<ConfigurationListener> listener = context.registerService(ConfigurationListener.class,
				(ConfigurationEvent e) -> {
					if (PID.equals(e.getPid())) {
						seen.add(config.getProperties());
					}
				}, null);
		try {
			String before = Files.readString(file);
			String after = "logSize=1234\n" + before.replaceAll("(?m)^#?logSize=.*\n", "");
			assertThat(after).contains("key=");
			int half = after.indexOf("key=");
			try (OutputStream out = Files.newOutputStream(file)) { // truncates, as an editor saving in place does
				out.write(after.substring(0, half).getBytes(StandardCharsets.UTF_8));
				out.flush();
				TimeUnit.MILLISECONDS.sleep(120); // the editor pauses; the first half has no key
				out.write(after.substring(half).getBytes(StandardCharsets.UTF_8));
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!Integer.valueOf(1234).equals(config.getProperties().get("logSize")) && System.nanoTime() < deadline) {
				TimeUnit.MILLISECONDS.sleep(50);
			}
			assertThat(config.getProperties().get("logSize")).isEqualTo(1234);
			assertThat(seen).as("the configurations Configuration Admin held meanwhile")
					.allSatisfy(props -> assertThat(props.get("key")).isEqualTo(key));
			Files.writeString(file, before);
		} finally {
			listener.unregister();
		}
	}
}
