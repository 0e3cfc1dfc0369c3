package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

import org.junit.jupiter.api.Test;

/** The test network keeps the promises the scenarios rely on, and leaves nothing behind. */
@RequiresRoot
class TopologyTest {

	@Test
	void onlyTheTunnelLeadsFromPhoneToInet() {
		String[] namespaces;
		try (Topology t = Topology.create()) {
			namespaces = new String[] { t.phone(), t.gw(), t.inet() };
			assertThat(Netns.list()).contains(namespaces);
			assertThat(ping(t.phone(), t.gwAddress()).ok()).as("phone reaches the gw directly").isTrue();
			assertThat(ping(t.gw(), t.inetAddress()).ok()).as("gw reaches the inet host").isTrue();
			Exec.Result phoneToInet = ping(t.phone(), t.inetAddress());
			assertThat(phoneToInet.ok()).as("phone must not reach the inet host outside the tunnel").isFalse();
			assertThat(phoneToInet.err()).contains("Network is unreachable");
			assertThat(ping(t.inet(), t.phoneAddress()).ok()).as("the inet host knows only its own subnet").isFalse();
			assertThat(Netns.exec(t.gw(), "cat", "/proc/sys/net/ipv4/ip_forward").out().strip()).as("the gateway turns it on").isEqualTo("0");
			assertThat(Netns.exec(t.phone(), "cat", "/proc/sys/net/ipv4/ip_forward").out().strip()).isEqualTo("0");
		}
		assertThat(Netns.list()).doesNotContain(namespaces);
	}

	@Test
	void socketsMadeInsideANamespaceBelongToIt() throws Exception {
		try (Topology t = Topology.create()) {
			// the phone's address can be bound only inside the phone namespace
			try (DatagramChannel c = Netns.inside(t.phone(),
					() -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(t.phoneAddress(), 0)))) {
				assertThat(((InetSocketAddress) c.getLocalAddress()).getAddress().getHostAddress()).isEqualTo(t.phoneAddress());
			}
			assertThat(Netns.exec(t.phone(), "ip", "-o", "-4", "addr", "show", "dev", Topology.PHONE_IF).out())
					.contains(t.phoneAddress() + "/24");
		}
	}

	@Test
	void deletingANamespaceEndsWhatRunsInIt() {
		Background sleeper;
		try (Topology t = Topology.create()) {
			sleeper = Netns.start(t.inet(), "sleep", "600");
			assertThat(sleeper.alive()).isTrue();
		}
		assertThat(sleeper.alive()).isFalse();
	}

	private static Exec.Result ping(String ns, String address) {
		return Netns.exec(ns, "ping", "-c", "1", "-W", "2", address);
	}
}
