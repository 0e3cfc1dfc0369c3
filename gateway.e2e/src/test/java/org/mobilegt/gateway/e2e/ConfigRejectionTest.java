package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A configuration value the system refuses is rejected with a message, and the previous working
 * configuration keeps running: the clients never notice. Through {@code vpn:set} and through an
 * edit of the configuration file, which the gateway then sets back to what runs.
 */
@RequiresRoot
class ConfigRejectionTest {

	private static final int BUSY_PORT = 8001;

	@Test
	void refusedValuesAreReportedAndTheRunningConfigurationStays() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "ConfigRejectionTest/refused").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient steady = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "steady");
					DatagramChannel squatter = Netns.inside(t.gw(),
							() -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("0.0.0.0", BUSY_PORT)))) {
				assertWorking(t, gw, steady);

				// a port another socket holds: the old socket stays, and so do the clients on it
				assertThat(gw.gogo("vpn:set mobilegt.tunnel port " + BUSY_PORT)).as("vpn:set port")
						.contains("rejected", "UDP [::]:" + BUSY_PORT + " is in use by another socket", "the previous value is kept");
				assertWorking(t, gw, steady);
				awaitFile(gw, "mobilegt.tunnel", "port", Integer.toString(BUSY_PORT));

				// the same through the file: rejected, and the file is set back to what runs
				int mark = gw.logMark();
				gw.conf("mobilegt.tunnel", Map.of("port", Integer.toString(BUSY_PORT)));
				assertThat(gw.awaitLog("UDP [::]:" + BUSY_PORT + " is in use by another socket", mark, Duration.ofSeconds(10)))
						.contains("ERROR", "Configuration mobilegt.tunnel rejected, keeping the previous one");
				awaitFile(gw, "mobilegt.tunnel", "port", Integer.toString(BUSY_PORT));
				assertWorking(t, gw, steady);

				// subnets the TUN driver cannot take: the route stays as it is
				assertThat(gw.gogo("vpn:set mobilegt.tun subnet 10.77.0.0/33")).as("vpn:set subnet /33")
						.contains("rejected", "must be an IPv4 subnet in CIDR notation", "the previous value is kept");
				assertThat(gw.gogo("vpn:set mobilegt.tun subnet 10.77.0.5/16")).as("vpn:set subnet with host bits")
						.contains("rejected", "has host bits set; did you mean 10.77.0.0/16?");
				assertThat(Netns.exec(t.gw(), "ip", "route", "show", "10.77.0.0/16").out()).contains("10.77.0.0/16 dev mgt0");
				awaitFile(gw, "mobilegt.tun", "subnet", "10.77.0.5/16");
				assertThat(gw.conf("mobilegt.tun").getOrDefault("subnet", "10.77.0.0/16")).as("subnet in conf/mobilegt.tun.cfg")
						.isEqualTo("10.77.0.0/16");

				// a capture directory nothing can be written to (a file is in the way): captures keep going to the old one
				assertThat(gw.gogo("vpn:set mobilegt.capture method builtin")).contains("applied");
				assertThat(gw.gogo("vpn:set mobilegt.capture mode demand")).contains("applied");
				Path inTheWay = Files.writeString(gw.workDir().resolve("not-a-directory"), "a file\n");
				mark = gw.logMark();
				assertThat(gw.gogo("vpn:set mobilegt.capture dir " + inTheWay.resolve("capture")))
						.as("vpn:set capture dir under a file").contains("rejected", "is not a writable directory",
								"the previous value is kept");
				awaitFile(gw, "mobilegt.capture", "dir", inTheWay.resolve("capture").toString());
				// what is restored is the configuration, not what the component declares for itself
				assertThat(gw.conf("mobilegt.capture")).as("conf/mobilegt.capture.cfg").doesNotContainKey("event.topics");
				assertThat(Scenarios.logLines(gw, mark, "unknown key")).as("complaints about the restored file").isEmpty();
				assertThat(gw.gogo("vpn:capture start steady")).startsWith("capturing session")
						.contains(gw.workDir().resolve("capture").toString());
				assertThat(gw.gogo("vpn:capture stop steady")).contains("stopped");

				// a value outside its declared range never reaches the component
				assertThat(gw.gogo("vpn:set mobilegt.tunnel port 70000")).as("vpn:set port 70000").contains("nothing changed");
				assertWorking(t, gw, steady);
				assertThat(steady.rehandshakeHintsReceived()).as("re-handshake hints").isZero();
			}
		}
	}

	/** The client pings through the gateway, which still listens on its first port. */
	private static void assertWorking(Topology t, Gateway gw, ToyVpnClient client) {
		assertThat(Scenarios.ping(t.phone(), client.tunName(), t.inetAddress(), 3).out()).as("ping through %s", client)
				.contains(Scenarios.allReplied(3));
		assertThat(gw.gogo("vpn:status")).contains("listening on [::]:" + Gateway.DEFAULT_TUNNEL_PORT);
	}

	/**
	 * Waits (bounded) until {@code conf/<pid>.cfg} no longer holds the refused value: the file
	 * follows Configuration Admin, where the component restores what runs, asynchronously.
	 */
	private static void awaitFile(Gateway gw, String pid, String key, String refused) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (refused.equals(gw.conf(pid).get(key))) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("conf/" + pid + ".cfg still says " + key + "=" + refused + ": " + gw.conf(pid));
			}
			Thread.sleep(100);
		}
	}
}
