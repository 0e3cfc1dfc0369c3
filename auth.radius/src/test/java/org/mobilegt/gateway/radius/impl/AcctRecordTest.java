package org.mobilegt.gateway.radius.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.aaa4j.radius.core.attribute.attributes.AcctInputGigawords;
import org.aaa4j.radius.core.attribute.attributes.AcctInputOctets;
import org.aaa4j.radius.core.attribute.attributes.AcctTerminateCause;
import org.aaa4j.radius.core.attribute.attributes.MessageAuthenticator;
import org.aaa4j.radius.core.packet.packets.AccountingRequest;
import org.junit.jupiter.api.Test;

class AcctRecordTest {

	static final AcctRecord STOP = new AcctRecord(AcctRecord.STOP, "abc-1", "alice smith", "172.31.0.2:4000", 0x0A4D0909,
			5L << 32 | 7, 12, 3, 4, 60, 6, "Y2xz", 1_000);

	@Test
	void aQueuedStopSurvivesAsOneLine() {
		assertThat(AcctRecord.parse(STOP.line())).isEqualTo(STOP);
		assertThat(STOP.line()).doesNotContain("\n");
		assertThatThrownBy(() -> AcctRecord.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void octetsAbove32BitsGoToGigawordsAndEveryRequestIsAuthenticated() throws Exception {
		AccountingRequest p = STOP.packet("gw", InetAddress.getByName("192.0.2.1"), 3_000);
		assertThat(p.getAttribute(AcctInputOctets.class).orElseThrow().getData().getValue()).isEqualTo(7);
		assertThat(p.getAttribute(AcctInputGigawords.class).orElseThrow().getData().getValue()).isEqualTo(5);
		assertThat(p.getAttribute(AcctTerminateCause.class).orElseThrow().getData().getValue()).isEqualTo(6);
		assertThat(p.getAttribute(MessageAuthenticator.class)).isPresent();
	}

	@Test
	void closeReasonsMapToTerminateCauses() {
		assertThat(RadiusSessions.cause("EXPIRED")).isEqualTo(4);
		assertThat(RadiusSessions.cause("SESSION_TIMEOUT")).isEqualTo(5);
		assertThat(RadiusSessions.cause("KICKED")).isEqualTo(6);
		assertThat(RadiusSessions.cause("REVOKED")).isEqualTo(6);
	}
}
