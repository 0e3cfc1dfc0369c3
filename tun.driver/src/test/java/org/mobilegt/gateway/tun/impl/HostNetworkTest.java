package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HostNetwork's command lines, with the tools faked: nothing here touches the system. */
class HostNetworkTest {

	/** Answers commands from a table (by the command line without the tool's directory); records them. */
	static final class FakeCommands extends Commands {
		final Set<String> installed;
		final List<String> ran = new ArrayList<>();
		final Map<String, Result> answers = new HashMap<>();
		final List<String> stdins = new ArrayList<>();

		FakeCommands(String... installed) {
			this.installed = Set.of(installed);
		}

		@Override
		Optional<String> find(String tool) {
			return installed.contains(tool) ? Optional.of("/usr/sbin/" + tool) : Optional.empty();
		}

		@Override
		Result run(List<String> command, String stdin) {
			String line = String.join(" ", command).replace("/usr/sbin/", "");
			ran.add(line);
			if (stdin != null) {
				stdins.add(stdin);
			}
			return answers.getOrDefault(line, new Result(0, "", ""));
		}
	}

	@TempDir
	Path dir;

	private HostNetwork host(FakeCommands commands) throws IOException {
		Path ipForward = dir.resolve("ip_forward");
		if (!Files.exists(ipForward)) {
			Files.writeString(ipForward, "0\n");
		}
		return new HostNetwork(commands, ipForward);
	}

	@Test
	void linkUpSetsMtuAndUpAndUndoSetsDown() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		Installed link = host(c).linkUp("mgt0", 1400);
		assertThat(link.description()).isEqualTo("link mgt0 up");
		link.undo().run();
		assertThat(c.ran).containsExactly("ip link set dev mgt0 mtu 1400 up", "ip link set dev mgt0 down");
	}

	@Test
	void routeReplacesAndUndoDeletes() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		Installed route = host(c).route("10.77.0.0/16", "mgt0");
		assertThat(route.description()).isEqualTo("route 10.77.0.0/16 dev mgt0");
		route.undo().run();
		assertThat(c.ran).containsExactly("ip route replace 10.77.0.0/16 dev mgt0", "ip route del 10.77.0.0/16 dev mgt0");
	}

	@Test
	void aRefusedCommandFailsWithTheToolsMessage() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		c.answers.put("ip link set dev mgt0 mtu 9000", new Commands.Result(2, "", "Error: mtu greater than device maximum."));
		assertThatThrownBy(() -> host(c).setMtu("mgt0", 9000)).isInstanceOf(IOException.class)
				.hasMessage("/usr/sbin/ip link set dev mgt0 mtu 9000: Error: mtu greater than device maximum.");
	}

	@Test
	void withoutIproute2NothingWorks() throws IOException {
		assertThatThrownBy(() -> host(new FakeCommands()).linkUp("mgt0", 1400)).isInstanceOf(IOException.class)
				.hasMessage("the 'ip' tool (iproute2) is not installed");
	}

	@Test
	void defaultRouteDevice() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		c.answers.put("ip -4 route show default",
				new Commands.Result(0, "default via 192.168.1.1 dev enp3s0 proto dhcp src 192.168.1.9 metric 100\n", ""));
		assertThat(host(c).defaultRouteDevice()).contains("enp3s0");
		c.answers.put("ip -4 route show default", new Commands.Result(0, "", ""));
		assertThat(host(c).defaultRouteDevice()).isEmpty();
	}

	@Test
	void forwardingIsTurnedOnAndBackOff() throws IOException {
		HostNetwork host = host(new FakeCommands());
		Installed forwarding = host.forwarding().orElseThrow();
		assertThat(forwarding.description()).isEqualTo("net.ipv4.ip_forward=1 (was 0)");
		assertThat(Files.readString(dir.resolve("ip_forward"))).isEqualTo("1");
		forwarding.undo().run();
		assertThat(Files.readString(dir.resolve("ip_forward"))).isEqualTo("0");
	}

	@Test
	void forwardingThatCannotBeWrittenIsReportedWithTheFix() {
		// a /proc file nobody may write, not even root: as /proc/sys is for a process without root
		HostNetwork host = new HostNetwork(new FakeCommands(), Path.of("/proc/version"));
		assertThatThrownBy(host::forwarding).isInstanceOf(HostNetwork.ForwardingOff.class)
				.hasMessageContaining("sysctl -w net.ipv4.ip_forward=1").hasMessageContaining("60-mobilegt.conf");
	}

	@Test
	void forwardingAlreadyOnIsLeftAlone() throws IOException {
		Files.writeString(dir.resolve("ip_forward"), "1\n");
		assertThat(host(new FakeCommands()).forwarding()).isEmpty();
		assertThat(Files.readString(dir.resolve("ip_forward"))).isEqualTo("1\n");
	}

	@Test
	void masqueradeWithNftReplacesTheTableInOneTransaction() throws IOException {
		FakeCommands c = new FakeCommands("nft");
		Installed nat = host(c).masquerade("mgt0", "10.77.0.0/16", "eth0");
		assertThat(nat.description()).isEqualTo("nft table ip mobilegt_mgt0: masquerade 10.77.0.0/16 out of eth0");
		// whatever an earlier run or a handed-over device left goes in the same transaction
		assertThat(c.stdins).containsExactly(NatRules.nftReplace("mgt0", "10.77.0.0/16", "eth0"));
		nat.undo().run();
		assertThat(c.ran).containsExactly("nft -f -", "nft delete table ip mobilegt_mgt0");
	}

	@Test
	void masqueradeWithoutEgressGoesOutOfAnyInterfaceButTheDevice() throws IOException {
		FakeCommands c = new FakeCommands("nft");
		Installed nat = host(c).masquerade("mgt0", "10.77.0.0/16", null);
		assertThat(nat.description()).isEqualTo("nft table ip mobilegt_mgt0: masquerade 10.77.0.0/16 out of any interface but mgt0");
		assertThat(c.stdins).containsExactly(NatRules.nftReplace("mgt0", "10.77.0.0/16", null));
	}

	@Test
	void leftoversOfAnEarlierRunAreRemoved() throws IOException {
		FakeCommands c = new FakeCommands("nft");
		host(c).removeLeftovers("mgt0");
		assertThat(c.ran).containsExactly("nft list table ip mobilegt_mgt0", "nft delete table ip mobilegt_mgt0");
		c.ran.clear();
		c.answers.put("nft list table ip mobilegt_mgt0", new Commands.Result(1, "", "Error: No such file or directory"));
		host(c).removeLeftovers("mgt0");
		assertThat(c.ran).containsExactly("nft list table ip mobilegt_mgt0");
	}

	@Test
	void nftRefusalIsReported() throws IOException {
		FakeCommands c = new FakeCommands("nft");
		c.answers.put("nft -f -", new Commands.Result(1, "", "Error: Could not process rule: No such file or directory"));
		assertThatThrownBy(() -> host(c).masquerade("mgt0", "10.77.0.0/16", "eth0")).isInstanceOf(IOException.class)
				.hasMessage("nft could not add the masquerade rule: Error: Could not process rule: No such file or directory");
	}

	@Test
	void masqueradeFallsBackToIptablesAndCleansItsLeftovers() throws IOException {
		FakeCommands c = new FakeCommands("iptables");
		c.answers.put("iptables -w -t nat -S POSTROUTING", new Commands.Result(0, """
				-P POSTROUTING ACCEPT
				-A POSTROUTING -s 10.70.0.0/16 -o eth0 -m comment --comment "mobilegt:mgt0" -j MASQUERADE
				-A POSTROUTING -o eth0 -j MASQUERADE
				""", ""));
		Installed nat = host(c).masquerade("mgt0", "10.77.0.0/16", "eth0");
		assertThat(nat.description()).isEqualTo("iptables nat POSTROUTING: masquerade 10.77.0.0/16 out of eth0");
		nat.undo().run();
		assertThat(c.ran).containsExactly("iptables -w -t nat -S POSTROUTING",
				"iptables -w -t nat -D POSTROUTING -s 10.70.0.0/16 -o eth0 -m comment --comment mobilegt:mgt0 -j MASQUERADE",
				"iptables -w -t nat -A POSTROUTING -s 10.77.0.0/16 -o eth0 -m comment --comment mobilegt:mgt0 -j MASQUERADE",
				"iptables -w -t nat -D POSTROUTING -s 10.77.0.0/16 -o eth0 -m comment --comment mobilegt:mgt0 -j MASQUERADE");
	}

	@Test
	void withoutNftOrIptablesThereIsNoNat() throws IOException {
		assertThatThrownBy(() -> host(new FakeCommands("ip")).masquerade("mgt0", "10.77.0.0/16", "eth0"))
				.isInstanceOf(IOException.class).hasMessage("neither nft (nftables) nor iptables is installed: cannot NAT");
	}
}
