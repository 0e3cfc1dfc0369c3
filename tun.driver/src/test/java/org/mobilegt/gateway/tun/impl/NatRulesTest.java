package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class NatRulesTest {

	@Test
	void iptablesAppendAndDelete() {
		List<String> rule = NatRules.iptablesRule("mgt0", "10.77.0.0/16", "eth0");
		assertThat(NatRules.iptables("-A", rule)).containsExactly("-w", "-t", "nat", "-A", "POSTROUTING", "-s", "10.77.0.0/16",
				"-o", "eth0", "-m", "comment", "--comment", "mobilegt:mgt0", "-j", "MASQUERADE");
		assertThat(NatRules.iptables("-D", rule)).containsExactly("-w", "-t", "nat", "-D", "POSTROUTING", "-s", "10.77.0.0/16",
				"-o", "eth0", "-m", "comment", "--comment", "mobilegt:mgt0", "-j", "MASQUERADE");
	}

	@Test
	void iptablesWithoutEgressExcludesTheTun() {
		assertThat(NatRules.iptablesRule("mgt0", "10.77.0.0/16", null)).containsExactly("-s", "10.77.0.0/16", "!", "-o", "mgt0",
				"-m", "comment", "--comment", "mobilegt:mgt0", "-j", "MASQUERADE");
	}

	/** What iptables -S prints for the rule iptablesRule() adds: the ':' makes it quote the comment. */
	@Test
	void leftoverOfOurOwnRuleDeletesExactlyWhatWasAdded() {
		String listing = """
				-P POSTROUTING ACCEPT
				-A POSTROUTING -s 10.77.0.0/16 ! -o mgt0 -m comment --comment "mobilegt:mgt0" -j MASQUERADE
				""";
		assertThat(NatRules.iptablesLeftovers("mgt0", listing))
				.containsExactly(NatRules.iptables("-D", NatRules.iptablesRule("mgt0", "10.77.0.0/16", null)));
	}

	@Test
	void leftoversAreOnlyTheRulesWithOurExactComment() {
		String listing = """
				-P POSTROUTING ACCEPT
				-A POSTROUTING -s 10.77.0.0/16 ! -o mgt0 -m comment --comment "mobilegt:mgt0" -j MASQUERADE
				-A POSTROUTING -s 10.78.0.0/16 -o eth0 -m comment --comment "mobilegt:mgt01" -j MASQUERADE
				-A POSTROUTING -s 192.168.0.0/24 -o eth0 -m comment --comment "keep mobilegt:mgt0 rules below" -j MASQUERADE
				-A POSTROUTING -s 192.168.1.0/24 -o eth0 -m comment --comment "\\"mobilegt:mgt0\\"" -j MASQUERADE
				-A POSTROUTING -o eth0 -j MASQUERADE
				-A DOCKER -s 172.17.0.0/16 -j RETURN
				-A POSTROUTING -s 10.77.0.0/16 -o wan0 -m comment --comment "mobilegt:mgt0" -j MASQUERADE
				""";
		assertThat(NatRules.iptablesLeftovers("mgt0", listing)).containsExactly(
				List.of("-w", "-t", "nat", "-D", "POSTROUTING", "-s", "10.77.0.0/16", "!", "-o", "mgt0", "-m", "comment",
						"--comment", "mobilegt:mgt0", "-j", "MASQUERADE"),
				List.of("-w", "-t", "nat", "-D", "POSTROUTING", "-s", "10.77.0.0/16", "-o", "wan0", "-m", "comment",
						"--comment", "mobilegt:mgt0", "-j", "MASQUERADE"));
	}

	@Test
	void noLeftoversInAnEmptyOrForeignListing() {
		assertThat(NatRules.iptablesLeftovers("mgt0", "")).isEmpty();
		assertThat(NatRules.iptablesLeftovers("mgt0", "-P POSTROUTING ACCEPT\n-A POSTROUTING -o eth0 -j MASQUERADE\n")).isEmpty();
	}

	@Test
	void wordsFollowIptablesQuoting() {
		assertThat(NatRules.words("  -A POSTROUTING  -m comment --comment \"two words\" -j X\t")).containsExactly("-A",
				"POSTROUTING", "-m", "comment", "--comment", "two words", "-j", "X");
		assertThat(NatRules.words("--comment \"say \\\"hi\\\" \\\\o/\"")).containsExactly("--comment", "say \"hi\" \\o/");
		assertThat(NatRules.words("--comment \"\" -j X")).containsExactly("--comment", "", "-j", "X");
		assertThat(NatRules.words("")).isEmpty();
	}
}
