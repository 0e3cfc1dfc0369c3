package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import org.mobilegt.gateway.common.ConfigValueException;

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

	private static final Isolation OFF = new Isolation(false, List.of(), List.of(), true, List.of());
	private static final Isolation ON = new Isolation(true, List.of(), List.of(), false, List.of("8.8.8.8"));

	private HostNetwork host(FakeCommands commands) throws IOException {
		return new HostNetwork(commands, record("boot1 net:[1]"), ipv6("boot1 net:[1]"));
	}

	private ForwardingRecord record(String where) throws IOException {
		Path ipForward = dir.resolve("ip_forward");
		if (!Files.exists(ipForward)) {
			Files.writeString(ipForward, "0\n");
		}
		return new ForwardingRecord(ipForward, dir.resolve("data/ip_forward.original"), where);
	}

	/** A /proc/sys/net/ipv6/conf of lo, all, default, the device and eth0, all at the kernel's defaults. */
	private Ipv6Sysctls ipv6(String where) throws IOException {
		Path conf = dir.resolve("ipv6conf");
		for (String iface : List.of("all", "default", "lo", "mgt0", "eth0")) {
			Path d = conf.resolve(iface);
			if (!Files.exists(d)) {
				Files.createDirectories(d);
				Files.writeString(d.resolve("forwarding"), "0\n");
				Files.writeString(d.resolve("accept_ra"), "1\n");
				Files.writeString(d.resolve("disable_ipv6"), "0\n");
			}
		}
		return new Ipv6Sysctls(conf, dir.resolve("data"), where);
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
	void routeLooksForConflictsThenReplacesAndUndoDeletes() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		Installed route = host(c).route("10.77.0.0/16", "mgt0");
		assertThat(route.description()).isEqualTo("route 10.77.0.0/16 dev mgt0");
		route.undo().run();
		assertThat(c.ran).containsExactly("ip -4 -o route show table main", "ip -4 -o addr show",
				"ip route replace 10.77.0.0/16 dev mgt0", "ip route del 10.77.0.0/16 dev mgt0");
	}

	@Test
	void aSubnetThatOverlapsAHostRouteIsRefusedNamingItAndNothingIsChanged() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		c.answers.put("ip -4 -o route show table main",
				new Commands.Result(0, "10.77.3.0/24 via 192.168.1.20 dev eth0\n", ""));
		assertThatThrownBy(() -> host(c).route("10.77.0.0/16", "mgt0")).isInstanceOf(ConfigValueException.class)
				.hasMessage("mobilegt.tun: subnet=10.77.0.0/16 overlaps the route 10.77.3.0/24 via 192.168.1.20 dev eth0 "
						+ "on this host: choose a subnet that is not in use");
		assertThat(c.ran).noneMatch(l -> l.contains("replace"));
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
	void forwardingIsTurnedOnAndBackOff() throws IOException {
		HostNetwork host = host(new FakeCommands());
		Installed forwarding = host.forwarding().orElseThrow();
		assertThat(forwarding.description()).isEqualTo("net.ipv4.ip_forward=1 (was 0)");
		assertThat(Files.readString(dir.resolve("ip_forward"))).isEqualTo("1");
		forwarding.undo().run();
		assertThat(Files.readString(dir.resolve("ip_forward"))).isEqualTo("0");
		assertThat(dir.resolve("data/ip_forward.original")).doesNotExist();
	}

	@Test
	void forwardingThatCannotBeWrittenIsReportedWithTheFix() throws IOException {
		// a /proc file nobody may write, not even root: as /proc/sys is for a process without root
		HostNetwork host = new HostNetwork(new FakeCommands(),
				new ForwardingRecord(Path.of("/proc/version"), dir.resolve("data/ip_forward.original"), "boot1 net:[1]"),
				ipv6("boot1 net:[1]"));
		assertThatThrownBy(host::forwarding).isInstanceOf(HostNetwork.ForwardingOff.class)
				.hasMessageContaining("sysctl -w net.ipv4.ip_forward=1").hasMessageContaining("60-mobilegt.conf");
		assertThat(dir.resolve("data/ip_forward.original")).as("nothing changed, nothing recorded").doesNotExist();
	}

	@Test
	void forwardingAlreadyOnIsLeftAlone() throws IOException {
		Files.writeString(dir.resolve("ip_forward"), "1\n");
		assertThat(host(new FakeCommands()).forwarding()).isEmpty();
		assertThat(Files.readString(dir.resolve("ip_forward"))).isEqualTo("1\n");
		assertThat(dir.resolve("data/ip_forward.original")).doesNotExist();
	}

	@Test
	void theOriginalValueIsRecordedBeforeTheChangeAndSurvivesAnyNumberOfKilledRuns() throws IOException {
		host(new FakeCommands()).forwarding().orElseThrow(); // then killed: nothing undone
		assertThat(dir.resolve("data/ip_forward.original")).hasContent("0\nboot1 net:[1]");
		for (int run = 0; run < 3; run++) {
			Installed again = host(new FakeCommands()).forwarding().orElseThrow();
			assertThat(again.description()).isEqualTo("net.ipv4.ip_forward=1 (was 0)");
		}
		host(new FakeCommands()).forwarding().orElseThrow().undo().run();
		assertThat(Files.readString(dir.resolve("ip_forward"))).isEqualTo("0");
	}

	@Test
	void aRecordOfAnotherBootOrNamespaceIsDropped() throws IOException {
		new HostNetwork(new FakeCommands(), record("boot0 net:[1]"), ipv6("boot0 net:[1]")).forwarding().orElseThrow();
		Files.writeString(dir.resolve("ip_forward"), "1"); // the new boot's own setting
		assertThat(host(new FakeCommands()).forwarding()).isEmpty();
		assertThat(dir.resolve("data/ip_forward.original")).doesNotExist();
	}

	@Test
	void firewallWithNftReplacesTheTableInOneTransaction() throws IOException {
		FakeCommands c = new FakeCommands("nft");
		Firewall f = new Firewall("mgt0", "10.77.0.0/16", true, null, ON, null, true);
		Installed fw = host(c).firewall(f);
		assertThat(fw.description()).isEqualTo(f.describe());
		// whatever an earlier run or a handed-over device left goes in the same transaction
		assertThat(c.stdins).containsExactly(f.nftReplace());
		fw.undo().run();
		assertThat(c.ran).containsExactly("nft -f -", "nft delete table inet mobilegt_mgt0");
	}

	@Test
	void leftoversOfAnEarlierRunAreRemoved() throws IOException {
		FakeCommands c = new FakeCommands("nft");
		host(c).removeLeftovers("mgt0");
		assertThat(c.ran).containsExactly("nft -f -");
		assertThat(c.stdins).containsExactly("add table inet mobilegt_mgt0\ndelete table inet mobilegt_mgt0\n"
				+ "add table ip mobilegt_mgt0\ndelete table ip mobilegt_mgt0\n");
	}

	@Test
	void nftRefusalIsReported() throws IOException {
		FakeCommands c = new FakeCommands("nft");
		c.answers.put("nft -f -", new Commands.Result(1, "", "Error: Could not process rule: No such file or directory"));
		assertThatThrownBy(() -> host(c).firewall(new Firewall("mgt0", "10.77.0.0/16", true, "eth0", ON, null, true)))
				.isInstanceOf(IOException.class)
				.hasMessage("nft could not install the table mobilegt_mgt0: Error: Could not process rule: No such file or directory");
	}

	@Test
	void withoutNftIsolationIsRefusedRatherThanMissing() throws IOException {
		assertThatThrownBy(() -> host(new FakeCommands("iptables")).firewall(new Firewall("mgt0", "10.77.0.0/16", true, "eth0", ON, null, true)))
				.isInstanceOf(IOException.class).hasMessageStartingWith("client isolation needs nft (install nftables)");
	}

	@Test
	void withoutIsolationMasqueradeFallsBackToIptablesAndCleansItsLeftovers() throws IOException {
		FakeCommands c = new FakeCommands("iptables");
		c.answers.put("iptables -w -t nat -S POSTROUTING", new Commands.Result(0, """
				-P POSTROUTING ACCEPT
				-A POSTROUTING -s 10.70.0.0/16 -o eth0 -m comment --comment "mobilegt:mgt0" -j MASQUERADE
				-A POSTROUTING -o eth0 -j MASQUERADE
				""", ""));
		Installed nat = host(c).firewall(new Firewall("mgt0", "10.77.0.0/16", true, "eth0", OFF, null, true));
		assertThat(nat.description()).isEqualTo("iptables nat POSTROUTING: masquerade 10.77.0.0/16 out of eth0");
		nat.undo().run();
		assertThat(c.ran).containsExactly("iptables -w -t nat -S POSTROUTING",
				"iptables -w -t nat -D POSTROUTING -s 10.70.0.0/16 -o eth0 -m comment --comment mobilegt:mgt0 -j MASQUERADE",
				"iptables -w -t nat -A POSTROUTING -s 10.77.0.0/16 -o eth0 -m comment --comment mobilegt:mgt0 -j MASQUERADE",
				"iptables -w -t nat -D POSTROUTING -s 10.77.0.0/16 -o eth0 -m comment --comment mobilegt:mgt0 -j MASQUERADE");
	}

	@Test
	void withoutNftOrIptablesThereIsNoNat() throws IOException {
		assertThatThrownBy(() -> host(new FakeCommands("ip")).firewall(new Firewall("mgt0", "10.77.0.0/16", true, "eth0", OFF, null, true)))
				.isInstanceOf(IOException.class).hasMessage("neither nft (nftables) nor iptables is installed: cannot NAT");
	}

	@Test
	void forwardBlockersFromNftOrElseIptables() throws IOException {
		FakeCommands nft = new FakeCommands("nft");
		nft.answers.put("nft list chains", new Commands.Result(0,
				"table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n", ""));
		assertThat(host(nft).forwardBlockers("mgt0")).containsExactly("ip filter FORWARD");
		FakeCommands iptables = new FakeCommands("iptables");
		iptables.answers.put("iptables -w -S FORWARD", new Commands.Result(0, "-P FORWARD DROP\n-A FORWARD -j DOCKER\n", ""));
		assertThat(host(iptables).forwardBlockers("mgt0")).containsExactly("iptables filter FORWARD");
	}

	// IPv6

	private Path sysctl(String iface, String name) {
		return dir.resolve("ipv6conf").resolve(iface).resolve(name);
	}

	private static String read(Path p) throws IOException {
		return Files.readString(p).trim();
	}

	@Test
	void address6LooksForConflictsThenGivesTheGatewayPrefixOneAndUndoDeletesIt() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		Installed a = host(c).address6("fd12:3456:789a::/64", "mgt0");
		assertThat(a.description()).isEqualTo("address fd12:3456:789a::1/64 dev mgt0");
		a.undo().run();
		assertThat(c.ran).containsExactly("ip -6 -o route show table main", "ip -6 -o addr show",
				"ip -6 addr replace fd12:3456:789a::1/64 dev mgt0 nodad", "ip -6 addr del fd12:3456:789a::1/64 dev mgt0");
	}

	@Test
	void address6OverlappingAnotherInterfacesPrefixIsRefusedNamingIt() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		c.answers.put("ip -6 -o route show table main", new Commands.Result(0,
				"2001:db8:5::/48 dev eth0 proto kernel metric 256 pref medium\nfe80::/64 dev eth0 proto kernel metric 256\n", ""));
		HostNetwork host = host(c);
		assertThatThrownBy(() -> host.address6("2001:db8:5:1::/64", "mgt0")).isInstanceOf(ConfigValueException.class)
				.hasMessage("mobilegt.tun: subnet6=2001:db8:5:1::/64 overlaps the route 2001:db8:5::/48 dev eth0 proto kernel "
						+ "metric 256 pref medium on this host: choose a prefix that is not in use");
		assertThat(c.ran).noneMatch(l -> l.contains("addr replace"));
	}

	@Test
	void ipv6TurnedOffOnTheDeviceIsTurnedOnForTheAddressAndOffAgainAfter() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		HostNetwork host = host(c);
		Files.writeString(sysctl("mgt0", "disable_ipv6"), "1\n");
		Installed a = host.address6("fd12:3456:789a::/64", "mgt0");
		assertThat(a.description()).isEqualTo("address fd12:3456:789a::1/64 dev mgt0 (disable_ipv6 was 1)");
		assertThat(read(sysctl("mgt0", "disable_ipv6"))).isEqualTo("0");
		a.undo().run();
		assertThat(read(sysctl("mgt0", "disable_ipv6"))).isEqualTo("1");
	}

	@Test
	void aKernelWithoutIpv6RefusesSubnet6() throws IOException {
		HostNetwork host = new HostNetwork(new FakeCommands("ip"), record("boot1 net:[1]"),
				new Ipv6Sysctls(dir.resolve("no-ipv6"), dir.resolve("data"), "boot1 net:[1]"));
		assertThatThrownBy(() -> host.address6("fd12:3456:789a::/64", "mgt0")).isInstanceOf(ConfigValueException.class)
				.hasMessageContaining("this kernel has IPv6 turned off");
	}

	@Test
	void ipv6ForwardingKeepsRouterAdvertisementsComingAndUndoPutsEverythingBack() throws IOException {
		HostNetwork host = host(new FakeCommands());
		Files.writeString(sysctl("lo", "accept_ra"), "1\n");
		Installed f = host.forwarding6("mgt0").orElseThrow();
		assertThat(f.description()).isEqualTo("net.ipv6.conf.all.forwarding=1 (was 0), net.ipv6.conf.eth0.accept_ra=2 (was 1)");
		assertThat(read(sysctl("all", "forwarding"))).isEqualTo("1");
		assertThat(read(sysctl("eth0", "accept_ra"))).as("RAs still accepted while forwarding").isEqualTo("2");
		assertThat(read(sysctl("mgt0", "accept_ra"))).as("the device's own: it gets no RAs").isEqualTo("1");
		assertThat(read(sysctl("default", "accept_ra"))).isEqualTo("1");
		assertThat(dir.resolve("data/ipv6_forwarding.original")).hasContent("0\nboot1 net:[1]");
		assertThat(dir.resolve("data/accept_ra.eth0.original")).hasContent("1\nboot1 net:[1]");

		f.undo().run();
		assertThat(read(sysctl("all", "forwarding"))).isEqualTo("0");
		assertThat(read(sysctl("eth0", "accept_ra"))).isEqualTo("1");
		assertThat(dir.resolve("data/ipv6_forwarding.original")).doesNotExist();
		assertThat(dir.resolve("data/accept_ra.eth0.original")).doesNotExist();
	}

	@Test
	void anInterfaceThatDoesNotTakeRasOrAlreadyTakesThemWhenForwardingIsLeftAlone() throws IOException {
		HostNetwork host = host(new FakeCommands());
		Files.writeString(sysctl("eth0", "accept_ra"), "0\n");
		assertThat(host.forwarding6("mgt0").orElseThrow().description()).isEqualTo("net.ipv6.conf.all.forwarding=1 (was 0)");
		assertThat(read(sysctl("eth0", "accept_ra"))).isEqualTo("0");
	}

	@Test
	void aHostThatForwardsIpv6AlreadyIsLeftAsItIs() throws IOException {
		HostNetwork host = host(new FakeCommands());
		Files.writeString(sysctl("all", "forwarding"), "1\n");
		assertThat(host.forwarding6("mgt0")).isEmpty();
		assertThat(read(sysctl("eth0", "accept_ra"))).isEqualTo("1");
		assertThat(dir.resolve("data")).doesNotExist();
	}

	@Test
	void ipv6SysctlsAreRestoredAfterAnyNumberOfKilledRuns() throws IOException {
		host(new FakeCommands()).forwarding6("mgt0").orElseThrow(); // then killed: nothing undone
		for (int run = 0; run < 3; run++) {
			Installed again = host(new FakeCommands()).forwarding6("mgt0").orElseThrow();
			assertThat(again.description()).isEqualTo("net.ipv6.conf.all.forwarding=1 (was 0), net.ipv6.conf.eth0.accept_ra=2 (was 1)");
		}
		host(new FakeCommands()).forwarding6("mgt0").orElseThrow().undo().run();
		assertThat(read(sysctl("all", "forwarding"))).isEqualTo("0");
		assertThat(read(sysctl("eth0", "accept_ra"))).isEqualTo("1");
	}

	@Test
	void whatAKilledRunChangedIsPutBackWhenIpv6ForwardingIsNoLongerWanted() throws IOException {
		host(new FakeCommands()).forwarding6("mgt0").orElseThrow(); // killed, then started with subnet6 empty
		host(new FakeCommands()).restoreForwarding6();
		assertThat(read(sysctl("all", "forwarding"))).isEqualTo("0");
		assertThat(read(sysctl("eth0", "accept_ra"))).isEqualTo("1");
		assertThat(dir.resolve("data/ipv6_forwarding.original")).doesNotExist();
		assertThat(dir.resolve("data/accept_ra.eth0.original")).doesNotExist();
	}

	@Test
	void anInterfaceRemovedSinceLeavesNothingToRestore() throws IOException {
		Installed f = host(new FakeCommands()).forwarding6("mgt0").orElseThrow();
		Files.delete(sysctl("eth0", "accept_ra"));
		Files.delete(sysctl("eth0", "forwarding"));
		Files.delete(sysctl("eth0", "disable_ipv6"));
		Files.delete(dir.resolve("ipv6conf/eth0"));
		f.undo().run();
		assertThat(read(sysctl("all", "forwarding"))).isEqualTo("0");
		assertThat(dir.resolve("data/accept_ra.eth0.original")).doesNotExist();
	}

	@Test
	void withoutNftNat66FallsBackToIp6tables() throws IOException {
		FakeCommands c = new FakeCommands("iptables", "ip6tables");
		Installed nat = host(c).firewall(new Firewall("mgt0", "10.77.0.0/16", true, null, OFF, "2001:db8:1::/64", true));
		assertThat(nat.description()).isEqualTo("iptables nat POSTROUTING: masquerade 10.77.0.0/16 out of any interface but mgt0; "
				+ "ip6tables nat POSTROUTING: masquerade 2001:db8:1::/64 out of any interface but mgt0");
		nat.undo().run();
		assertThat(c.ran).containsExactly("iptables -w -t nat -S POSTROUTING", "ip6tables -w -t nat -S POSTROUTING",
				"iptables -w -t nat -A POSTROUTING -s 10.77.0.0/16 ! -o mgt0 -m comment --comment mobilegt:mgt0 -j MASQUERADE",
				"ip6tables -w -t nat -A POSTROUTING -s 2001:db8:1::/64 ! -o mgt0 -m comment --comment mobilegt:mgt0 -j MASQUERADE",
				"ip6tables -w -t nat -D POSTROUTING -s 2001:db8:1::/64 ! -o mgt0 -m comment --comment mobilegt:mgt0 -j MASQUERADE",
				"iptables -w -t nat -D POSTROUTING -s 10.77.0.0/16 ! -o mgt0 -m comment --comment mobilegt:mgt0 -j MASQUERADE");
		FakeCommands routed = new FakeCommands("iptables", "ip6tables");
		host(routed).firewall(new Firewall("mgt0", "10.77.0.0/16", true, null, OFF, "2001:db8:1::/64", false));
		assertThat(routed.ran).noneMatch(l -> l.startsWith("ip6tables -w -t nat -A"));
	}

	@Test
	void withoutIp6tablesNat66IsRefusedAndTheIpv4RuleTakenBack() {
		FakeCommands c = new FakeCommands("iptables");
		assertThatThrownBy(() -> host(c).firewall(new Firewall("mgt0", "10.77.0.0/16", true, "eth0", OFF, "2001:db8:1::/64", true)))
				.isInstanceOf(IOException.class).hasMessage("neither nft (nftables) nor ip6tables is installed: cannot NAT");
		assertThat(c.ran).last().asString().startsWith("iptables -w -t nat -D POSTROUTING -s 10.77.0.0/16");
	}

	@Test
	void staleGlobalAddressesOfTheDeviceAreDeletedButTheWantedOne() throws IOException {
		FakeCommands c = new FakeCommands("ip");
		c.answers.put("ip -6 -o addr show dev mgt0 scope global", new Commands.Result(0, """
				7: mgt0    inet6 2001:db8:9::1/64 scope global \\       valid_lft forever preferred_lft forever
				7: mgt0    inet6 fd12:3456:789a::1/64 scope global \\       valid_lft forever preferred_lft forever
				""", ""));
		host(c).removeStaleAddresses6("mgt0", HostNetwork.address6("fd12:3456:789a::/64"));
		assertThat(c.ran).containsExactly("ip -6 -o addr show dev mgt0 scope global", "ip -6 addr del 2001:db8:9::1/64 dev mgt0");
	}

	@Test
	void ipv6SysctlsThisProcessMayNotSetAreReportedAsIpv6ForwardingWithTheFixAndNothingIsChanged() throws IOException {
		Path readOnlyOne = Path.of("/sys/class/net/lo/carrier"); // "1", and no write succeeds, not even root's
		assumeTrue(Files.isReadable(readOnlyOne) && read(readOnlyOne).equals("1"), "no read-only sysfs file holding 1 here");
		HostNetwork host = host(new FakeCommands());
		Files.delete(sysctl("eth0", "accept_ra"));
		Files.createSymbolicLink(sysctl("eth0", "accept_ra"), readOnlyOne);
		assertThatThrownBy(() -> host.forwarding6("mgt0")).isInstanceOf(HostNetwork.ForwardingOff.class)
				.hasMessageStartingWith("net.ipv6.conf.all.forwarding is not 1 and this process cannot set it")
				.hasMessageContaining("sysctl -w net.ipv6.conf.all.forwarding=1", "accept_ra=2");
		assertThat(read(sysctl("all", "forwarding"))).isEqualTo("0");
		assertThat(dir.resolve("data/accept_ra.eth0.original")).doesNotExist();
	}
}
