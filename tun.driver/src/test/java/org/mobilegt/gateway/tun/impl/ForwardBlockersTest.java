package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ForwardBlockersTest {

	@Test
	void forwardHookChainsWithPolicyDropOfOtherTablesAreNamed() {
		String listing = """
				table ip filter {
					chain INPUT {
						type filter hook input priority filter; policy drop;
					}
					chain FORWARD {
						type filter hook forward priority filter; policy drop;
					}
					chain DOCKER {
					}
				}
				table inet mobilegt_mgt0 {
					chain forward {
						type filter hook forward priority filter; policy drop;
					}
				}
				table inet firewalld {
					chain filter_FORWARD {
						type filter hook forward priority filter + 10; policy accept;
					}
				}
				table inet ufw {
					chain fwd {
						type filter hook forward priority 0; policy drop;
					}
				}
				""";
		assertThat(ForwardBlockers.inNft(listing, "mobilegt_mgt0")).containsExactly("ip filter FORWARD", "inet ufw fwd");
	}
}
