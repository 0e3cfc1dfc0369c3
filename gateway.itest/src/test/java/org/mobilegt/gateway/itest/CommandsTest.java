package org.mobilegt.gateway.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mobilegt.gateway.tun.api.TunStatus;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The vpn: Gogo commands against the running gateway, through the command processor. */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
class CommandsTest {

	@InjectBundleContext
	BundleContext context;
	@InjectService(timeout = 5000)
	CommandProcessor processor;
	@InjectService(timeout = 5000)
	ConfigurationAdmin cm;

	private CommandSession session;

	@BeforeEach
	void open() {
		session = processor.createSession(new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream()),
				new PrintStream(new ByteArrayOutputStream()));
	}

	@AfterEach
	void close() {
		session.close();
	}

	String run(String command) throws Exception {
		Object result = session.execute(command);
		return String.valueOf(result);
	}

	@Test
	void statusShowsEachPartAtAGlance() throws Exception {
		String status = run("vpn:status");
		assertThat(status).contains("socket    OK   listening on [::]:").contains("auth      shared key configured")
				.contains("capture   mode off").contains("tun ");
	}

	@Test
	void clientsStatsPoolAndIllegalHaveTablesAndJson() throws Exception {
		assertThat(run("vpn:clients")).startsWith("SESSION  CLIENT").endsWith("0 client(s)");
		assertThat(run("vpn:clients --json")).isEqualTo("[]");
		assertThat(run("vpn:stats")).contains("handshakes  ").contains("PROCESSING").contains("drops:");
		assertThat(run("vpn:stats --json")).startsWith("{\"totals\":{\"rxPackets\":");
		assertThat(run("vpn:illegal 5")).contains("0 attempt(s)");
		assertThat(run("vpn:illegal --json")).isEqualTo("[]");
		assertThat(run("vpn:pool --json")).contains("\"leases\":[]");
		assertThat(run("vpn:client nobody")).isEqualTo("no client nobody");
		assertThat(run("vpn:kick nobody")).isEqualTo("no client nobody");
	}

	@Test
	void configMasksSecretsAndMarksWhatIsConfigured() throws Exception {
		String auth = run("vpn:config mobilegt.auth");
		assertThat(auth).contains("key").contains("****").doesNotContain("itest-secret");
		assertThat(auth.lines().filter(l -> l.trim().startsWith("key")).findFirst().orElseThrow()).contains("*");
		assertThat(run("vpn:config --json")).contains("\"mobilegt.tunnel\"").doesNotContain("itest-secret");
	}

	@Test
	void setAppliesLiveAndWritesTheConfigurationFile() throws Exception {
		assertThat(run("vpn:set mobilegt.tunnel dns 1.1.1.1,9.9.9.9")).isEqualTo("mobilegt.tunnel: dns = 1.1.1.1,9.9.9.9 applied");
		assertThat((String[]) cm.getConfiguration("mobilegt.tunnel", "?").getProperties().get("dns"))
				.containsExactly("1.1.1.1", "9.9.9.9");
		Path file = Path.of(context.getProperty("mobilegt.conf"), "mobilegt.tunnel.cfg");
		String text = waitFor(file, "dns=1.1.1.1,9.9.9.9");
		assertThat(text).contains("dns=1.1.1.1,9.9.9.9").contains("# DNS servers and routes pushed to clients");
	}

	@Test
	void aValueMetatypeRefusesChangesNothing() throws Exception {
		assertThat(run("vpn:set mobilegt.tunnel port 99999")).contains("key 'port': 99999 is invalid").endsWith("nothing changed");
		assertThat(run("vpn:set mobilegt.tunnel prot 9000")).contains("unknown key 'prot'");
		assertThat(run("vpn:set mobilegt.nothing port 9000")).contains("is not a configuration the gateway knows");
	}

	@Test
	void aValueTheComponentRefusesIsReportedAndTheOldOneKept(@InjectService(timeout = 5000) TunStatus tun) throws Exception {
		assumeTrue(tun.up(), "SKIPPED: no TUN device (not root, outside a network namespace): " + tun.summary());
		assertThat(run("vpn:set mobilegt.tun subnet 10.77.0.5/16"))
				.isEqualTo("rejected: mobilegt.tun: subnet=10.77.0.5/16 has host bits set; did you mean 10.77.0.0/16?; the previous value is kept");
		assertThat(tun.summary()).contains("subnet 10.77.0.0/16");
	}

	/** The configuration directory writes the file asynchronously (CM events). */
	private static String waitFor(Path file, String text) throws Exception {
		long deadline = System.currentTimeMillis() + 10_000;
		String content = "";
		while (System.currentTimeMillis() < deadline) {
			content = Files.exists(file) ? Files.readString(file) : "";
			if (content.contains(text)) {
				break;
			}
			java.util.concurrent.TimeUnit.MILLISECONDS.sleep(50);
		}
		return content;
	}
}
