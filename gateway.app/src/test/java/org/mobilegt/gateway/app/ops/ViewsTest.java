package org.mobilegt.gateway.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.Lease;

class ViewsTest {

	@Test
	void sizesDurationsAndRates() {
		assertThat(Views.bytes(512)).isEqualTo("512 B");
		assertThat(Views.bytes(1536)).isEqualTo("1.5 KiB");
		assertThat(Views.bytes(5L << 30)).isEqualTo("5.0 GiB");
		assertThat(Views.duration(59)).isEqualTo("59s");
		assertThat(Views.duration(3723)).isEqualTo("1h02m03s");
		assertThat(Views.si(0.5)).isEqualTo("0.5");
		assertThat(Views.si(430_000_000)).isEqualTo("430.0 M");
	}

	@Test
	void attackerTextIsShownEscaped() {
		assertThat(Views.printable("phone-1")).isEqualTo("phone-1");
		assertThat(Views.printable("a\u001b[31mb\n")).isEqualTo("a\\x1b[31mb\\x0a");
		assertThat(Views.printable(null)).isEqualTo("-");
	}

	@Test
	void aSessionCarriesItsIdAsSentAndAsEveryViewPrintsIt() {
		assertThat(Views.of(session(null), 0).client()).isEqualTo("(anonymous)");
		Views.SessionView evil = Views.of(session("x\u001b[2J\ny"), 0);
		assertThat(evil.clientId()).isEqualTo("x\u001b[2J\ny");
		assertThat(evil.client()).isEqualTo("x\\x1b[2J\\x0ay");
	}

	private static org.mobilegt.gateway.session.api.Session session(String clientId) {
		return (org.mobilegt.gateway.session.api.Session) java.lang.reflect.Proxy.newProxyInstance(ViewsTest.class.getClassLoader(),
				new Class<?>[] { org.mobilegt.gateway.session.api.Session.class }, (proxy, method, args) -> switch (method.getName()) {
				case "clientId" -> clientId;
				case "since" -> java.time.Instant.EPOCH;
				case "id", "endpoint", "rxPackets", "rxBytes", "txPackets", "txBytes", "drops", "lastReceivedMillis" -> 0L;
				case "tunnelAddress" -> 0;
				case "tunnelAddress6" -> null;
				default -> throw new UnsupportedOperationException(method.getName());
				});
	}

	@Test
	void leasesAndPoolsShowBothFamilies() {
		Views.LeaseView dual = Views.of(new Lease("alice", 0x0A4D0002, true, null, IpAddress.parse("fd00:77::c0ff:ee")));
		assertThat(Views.json(dual)).isEqualTo(
				"{\"clientId\":\"alice\",\"address\":\"10.77.0.2\",\"address6\":\"fd00:77::c0ff:ee\",\"live\":true,\"expires\":null}");
		assertThat(Views.of(new Lease(null, 0x0A4D0003, true, null)).address6()).isNull();
		Operations.PoolView pool = new Operations.PoolView("10.77.0.0/29", 5, 1, 0, 4, "fd00:77::/64", Long.MAX_VALUE, 1, 0,
				Long.MAX_VALUE, List.of(dual));
		assertThat(pool.counts().leases()).isEmpty();
		assertThat(pool.counts().subnet6()).isEqualTo("fd00:77::/64");
	}

	@Test
	void jsonKeepsCharactersAsTheyAre() {
		assertThat(Views.json(new Views.AttemptView("t", "1.2.3.4", 5, "BAD_KEY", "<b>"))).isEqualTo(
				"{\"time\":\"t\",\"address\":\"1.2.3.4\",\"port\":5,\"reason\":\"BAD_KEY\",\"detail\":\"<b>\"}");
	}
}
