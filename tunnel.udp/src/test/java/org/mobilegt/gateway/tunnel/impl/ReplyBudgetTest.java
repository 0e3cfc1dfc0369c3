package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpEndpoint;

class ReplyBudgetTest {

	static final long SECOND = 1_000_000_000L;
	static final int SOURCE = 0x0A000001;
	static final int REPLY = 1024;

	@Test
	void aRepeatedHandshakeWithinASecondGetsNoSecondBurst() {
		ReplyBudget b = new ReplyBudget(1 << 20, 1 << 30);
		assertThat(b.reply(1, SOURCE, REPLY, 3, 0)).isEqualTo(new ReplyBudget.Grant(3, 0, false));
		assertThat(b.reply(1, SOURCE, REPLY, 3, SECOND / 2).repeated()).isTrue();
		assertThat(b.reply(2, SOURCE, REPLY, 3, SECOND / 2).copies()).as("another endpoint").isEqualTo(3);
		assertThat(b.reply(1, SOURCE, REPLY, 3, SECOND).copies()).as("a second later").isEqualTo(3);
	}

	@Test
	void oneSourceGetsItsBytesPerSecondThenWaitsThenNothing() {
		ReplyBudget b = new ReplyBudget(64 * REPLY, 1 << 30);
		long sentBytes = 0;
		int deferred = 0;
		int refused = 0;
		for (int endpoint = 0; endpoint < 1000; endpoint++) {
			ReplyBudget.Grant g = b.reply(endpoint, SOURCE, REPLY, 3, 0);
			sentBytes += (long) g.copies() * REPLY;
			deferred += g.delayNanos() > 0 ? 1 : 0;
			refused += g.copies() == 0 ? 1 : 0;
			assertThat(g.delayNanos()).isLessThanOrEqualTo(ReplyBudget.MAX_DELAY_NANOS);
			assertThat(g.copies() <= 1 || g.delayNanos() == 0).as("extra copies only without waiting").isTrue();
		}
		// one second of burst plus the three seconds a reply may wait
		assertThat(sentBytes).isBetween(4L * 64 * REPLY - REPLY, 4L * 64 * REPLY);
		assertThat(deferred).isEqualTo(3 * 64);
		assertThat(refused).isEqualTo(1000 - 64 / 3 - 1 - 3 * 64);
		assertThat(b.reply(5000, 0x0A000002, REPLY, 3, 0).copies()).as("another source has its own budget").isEqualTo(3);
	}

	@Test
	void ipv6SendersShareTheBudgetOfTheirSlash64() {
		ReplyBudget b = new ReplyBudget(4 * REPLY, 1 << 30);
		int granted = 0;
		for (int i = 1; i <= 100; i++) { // every address of one /64: a spoofer's whole subnet
			long endpoint = EndpointKey.key(IpEndpoint.of(IpAddress.ofIpv6(0x2001_0db8_0042_0001L, i * 7919L), 5000));
			granted += b.reply(endpoint, EndpointKey.source(endpoint), REPLY, 1, 0).copies();
		}
		assertThat(granted).as("one second of burst plus the wait, for the whole /64").isLessThanOrEqualTo(4 * 4);
		long other = EndpointKey.key(IpEndpoint.of(IpAddress.ofIpv6(0x2001_0db8_0042_0002L, 1), 5000));
		assertThat(b.reply(other, EndpointKey.source(other), REPLY, 1, 0).copies()).as("the next /64 has its own").isEqualTo(1);
	}

	@Test
	void aStormBehindOneAddressIsServedInTurnWithinTheWait() {
		ReplyBudget b = new ReplyBudget(65536, 4 << 20);
		long latest = 0;
		for (int client = 0; client < 200; client++) {
			long at = client * 10_000_000L; // 200 clients over 2 s
			ReplyBudget.Grant g = b.reply(client, SOURCE, REPLY, 3, at);
			assertThat(g.copies()).as("client %d", client).isPositive();
			latest = Math.max(latest, at + g.delayNanos());
		}
		assertThat(latest).as("the last reply leaves within 5 s of the first handshake").isLessThan(5 * SECOND);
	}

	@Test
	void theGatewayAsAWholeHasABudgetToo() {
		ReplyBudget b = new ReplyBudget(1 << 20, 8 * REPLY);
		long copies = 0;
		for (int source = 0; source < 100; source++) {
			copies += b.reply(source, source, REPLY, 3, 0).copies();
		}
		assertThat(copies).isEqualTo(8 + 3 * 8);
	}

	@Test
	void hintsAreOneASecondPerEndpointAndNeverWait() {
		ReplyBudget b = new ReplyBudget(100, 1 << 30);
		assertThat(b.hint(1, SOURCE, 15, 0)).isTrue();
		assertThat(b.hint(1, SOURCE, 15, 1000)).isFalse();
		int more = 0;
		for (int endpoint = 2; endpoint < 100; endpoint++) {
			more += b.hint(endpoint, SOURCE, 15, 1000) ? 1 : 0;
		}
		assertThat(more).as("100 bytes a second per source: 15-byte hints").isEqualTo(5);
		assertThat(b.hint(1, SOURCE, 15, 3 * SECOND)).isTrue();
	}

	@Test
	void pruneForgetsWhatNoLongerLimits() {
		ReplyBudget b = new ReplyBudget(64 * REPLY, 1 << 30);
		b.reply(1, SOURCE, REPLY, 3, 0);
		b.prune(10 * SECOND);
		assertThat(b.reply(1, SOURCE, REPLY, 3, 10 * SECOND).copies()).isEqualTo(3);
	}
}
