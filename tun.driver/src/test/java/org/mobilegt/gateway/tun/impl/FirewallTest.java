package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class FirewallTest {

	private static final Isolation DEFAULT = new Isolation(true, List.of(), List.of(), false, List.of("8.8.8.8"));

	@Test
	void tableIsNamedAfterTheDeviceAndDevicesThatDifferOnlyInPunctuationGetTheirOwn() {
		assertThat(Firewall.table("mgt.0")).isEqualTo("mobilegt_mgt.0");
		assertThat(List.of(Firewall.table("mgt.0"), Firewall.table("mgt-0"), Firewall.table("mgt_0"))).doesNotHaveDuplicates();
	}

	@Test
	void defaultTableMasqueradesOutOfAnyInterfaceButTheTunAndIsolatesClients() {
		assertThat(new Firewall("mgt0", "10.77.0.0/16", true, null, DEFAULT, null, true).nftCreate()).isEqualTo("""
				table inet mobilegt_mgt0 {
				  chain postrouting {
				    type nat hook postrouting priority srcnat; policy accept;
				    ip saddr 10.77.0.0/16 oifname != "mgt0" masquerade
				  }
				  chain forward {
				    type filter hook forward priority filter; policy accept;
				    iifname "mgt0" jump from_clients
				  }
				  chain from_clients {
				    meta nfproto ipv6 drop
				    ip daddr 8.8.8.8 udp dport 53 accept
				    ip daddr 8.8.8.8 tcp dport 53 accept
				    oifname "mgt0" drop
				    ip daddr 0.0.0.0/8 drop
				    ip daddr 10.0.0.0/8 drop
				    ip daddr 100.64.0.0/10 drop
				    ip daddr 127.0.0.0/8 drop
				    ip daddr 169.254.0.0/16 drop
				    ip daddr 172.16.0.0/12 drop
				    ip daddr 192.168.0.0/16 drop
				    ip daddr 224.0.0.0/4 drop
				    ip daddr 240.0.0.0/4 drop
				  }
				  chain input {
				    type filter hook input priority filter; policy accept;
				    iifname "mgt0" jump to_gateway
				  }
				  chain to_gateway {
				    meta nfproto ipv6 drop
				    ip daddr 8.8.8.8 udp dport 53 accept
				    ip daddr 8.8.8.8 tcp dport 53 accept
				    ct state established,related accept
				    drop
				  }
				}
				""");
	}

	@Test
	void denyComesFirstThenAllowBeforeTheBlockedRanges() {
		Isolation i = new Isolation(true, List.of("192.168.5.0/24"), List.of("203.0.113.0/24"), true, List.of());
		String script = new Firewall("mgt0", "10.77.0.0/16", false, "eth0", i, null, true).nftCreate();
		assertThat(script).doesNotContain("postrouting", "dport 53");
		assertThat(script.lines().map(String::trim).toList()).containsSubsequence(
				"chain from_clients {",
				"ip daddr 203.0.113.0/24 drop",
				"oifname \"mgt0\" accept",
				"ip daddr 192.168.5.0/24 accept",
				"ip daddr 10.0.0.0/8 drop",
				"chain to_gateway {",
				"ip daddr 203.0.113.0/24 drop",
				"ip daddr 192.168.5.0/24 accept",
				"drop");
	}

	@Test
	void withoutIsolationOnlyDenyAndTheClientToClientSwitchRemain() {
		Isolation i = new Isolation(false, List.of("192.168.5.0/24"), List.of(), false, List.of("8.8.8.8"));
		String script = new Firewall("mgt0", "10.77.0.0/16", true, "eth0", i, null, true).nftCreate();
		assertThat(script).contains("ip saddr 10.77.0.0/16 oifname \"eth0\" masquerade", "    oifname \"mgt0\" drop")
				.doesNotContain("192.168", "10.0.0.0/8", "dport 53", "    drop\n");
		assertThat(new Firewall("mgt0", "10.77.0.0/16", true, "eth0", i, null, true).needsNft()).isTrue();
		assertThat(new Firewall("mgt0", "10.77.0.0/16", true, "eth0", new Isolation(false, List.of(), List.of(), true, List.of()), null, true)
				.needsNft()).isFalse();
	}

	@Test
	void replaceSwapsTheTableAndTheOldIpTableInOneTransaction() {
		Firewall f = new Firewall("mgt0", "10.77.0.0/16", true, null, DEFAULT, null, true);
		assertThat(f.nftReplace()).isEqualTo("""
				add table inet mobilegt_mgt0
				delete table inet mobilegt_mgt0
				add table ip mobilegt_mgt0
				delete table ip mobilegt_mgt0
				""" + f.nftCreate());
		assertThat(Firewall.nftDelete("mgt.0")).containsExactly("delete", "table", "inet", "mobilegt_mgt.0");
	}

	@Test
	void describesWhatItDoes() {
		Isolation i = new Isolation(true, List.of("192.168.5.0/24"), List.of("203.0.113.0/24"), false, List.of());
		assertThat(new Firewall("mgt0", "10.77.0.0/16", true, null, i, null, true).describe()).isEqualTo(
				"nft table inet mobilegt_mgt0: masquerade 10.77.0.0/16 out of any interface but mgt0; isolation on, "
						+ "allow 192.168.5.0/24, deny 203.0.113.0/24, client-to-client off");
	}

	@Test
	void withSubnet6TheTableMasqueradesBothFamiliesIsolatesIpv6AndDropsForeignIpv6Sources() {
		Isolation i = new Isolation(true, List.of(), List.of(), false, List.of("8.8.8.8", "2001:4860:4860::8888"));
		assertThat(new Firewall("mgt0", "10.77.0.0/16", true, null, i, "fd12:3456:789a::/64", true).nftCreate()).isEqualTo("""
				table inet mobilegt_mgt0 {
				  chain postrouting {
				    type nat hook postrouting priority srcnat; policy accept;
				    ip saddr 10.77.0.0/16 oifname != "mgt0" masquerade
				    ip6 saddr fd12:3456:789a::/64 oifname != "mgt0" masquerade
				  }
				  chain forward {
				    type filter hook forward priority filter; policy accept;
				    iifname "mgt0" jump from_clients
				  }
				  chain from_clients {
				    ip6 saddr != fd12:3456:789a::/64 drop
				    ip daddr 8.8.8.8 udp dport 53 accept
				    ip daddr 8.8.8.8 tcp dport 53 accept
				    ip6 daddr 2001:4860:4860::8888 udp dport 53 accept
				    ip6 daddr 2001:4860:4860::8888 tcp dport 53 accept
				    oifname "mgt0" drop
				    ip daddr 0.0.0.0/8 drop
				    ip daddr 10.0.0.0/8 drop
				    ip daddr 100.64.0.0/10 drop
				    ip daddr 127.0.0.0/8 drop
				    ip daddr 169.254.0.0/16 drop
				    ip daddr 172.16.0.0/12 drop
				    ip daddr 192.168.0.0/16 drop
				    ip daddr 224.0.0.0/4 drop
				    ip daddr 240.0.0.0/4 drop
				    ip6 daddr ::/128 drop
				    ip6 daddr ::1/128 drop
				    ip6 daddr ::ffff:0:0/96 drop
				    ip6 daddr 64:ff9b:1::/48 drop
				    ip6 daddr 100::/64 drop
				    ip6 daddr fc00::/7 drop
				    ip6 daddr fe80::/10 drop
				    ip6 daddr fec0::/10 drop
				    ip6 daddr ff00::/8 drop
				  }
				  chain input {
				    type filter hook input priority filter; policy accept;
				    iifname "mgt0" jump to_gateway
				  }
				  chain to_gateway {
				    ip6 saddr != fd12:3456:789a::/64 drop
				    ip daddr 8.8.8.8 udp dport 53 accept
				    ip daddr 8.8.8.8 tcp dport 53 accept
				    ip6 daddr 2001:4860:4860::8888 udp dport 53 accept
				    ip6 daddr 2001:4860:4860::8888 tcp dport 53 accept
				    ct state established,related accept
				    icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
				    drop
				  }
				}
				""");
	}

	@Test
	void aRoutedPrefixIsForwardedUntranslated() {
		Firewall f = new Firewall("mgt0", "10.77.0.0/16", true, "eth0", DEFAULT, "2001:db8:7::/64", false);
		assertThat(f.nftCreate()).contains("ip saddr 10.77.0.0/16 oifname \"eth0\" masquerade", "ip6 saddr != 2001:db8:7::/64 drop")
				.doesNotContain("ip6 saddr 2001:db8:7::/64 oifname");
		assertThat(f.describe()).isEqualTo("nft table inet mobilegt_mgt0: masquerade 10.77.0.0/16 out of eth0; route 2001:db8:7::/64 "
				+ "untranslated; isolation on, client-to-client off");
		assertThat(new Firewall("mgt0", "10.77.0.0/16", true, null, DEFAULT, "2001:db8:7::/64", true).describe()).isEqualTo(
				"nft table inet mobilegt_mgt0: masquerade 10.77.0.0/16 out of any interface but mgt0; masquerade 2001:db8:7::/64 "
						+ "out of any interface but mgt0; isolation on, client-to-client off");
	}

	@Test
	void ipv6AllowDenyAndDnsEntriesUseIp6AndWithoutSubnet6AreLeftToTheBlanketDrop() {
		Isolation i = new Isolation(true, List.of("2001:db8:5::/48"), List.of("2001:db8:6::/48", "203.0.113.0/24"), false,
				List.of("2001:4860:4860::8888"));
		List<String> with = new Firewall("mgt0", "10.77.0.0/16", true, null, i, "fd12:3456:789a::/64", true).nftCreate().lines()
				.map(String::trim).toList();
		assertThat(with).containsSubsequence(
				"iifname \"mgt0\" jump from_clients",
				"ip6 saddr != fd12:3456:789a::/64 drop",
				"ip6 daddr 2001:db8:6::/48 drop",
				"ip daddr 203.0.113.0/24 drop",
				"ip6 daddr 2001:4860:4860::8888 udp dport 53 accept",
				"oifname \"mgt0\" drop",
				"ip6 daddr 2001:db8:5::/48 accept",
				"ip6 daddr fc00::/7 drop");
		String without = new Firewall("mgt0", "10.77.0.0/16", true, null, i, null, true).nftCreate();
		assertThat(without).contains("    meta nfproto ipv6 drop", "ip daddr 203.0.113.0/24 drop")
				.doesNotContain("ip6 ", "2001:db8", "fc00::/7", "icmpv6");
	}
}
