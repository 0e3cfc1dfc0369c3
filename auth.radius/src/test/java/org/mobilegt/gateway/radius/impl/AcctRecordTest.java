package org.mobilegt.gateway.radius.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.aaa4j.radius.core.attribute.attributes.AcctInputGigawords;
import org.aaa4j.radius.core.attribute.attributes.AcctInputOctets;
import org.aaa4j.radius.core.attribute.attributes.AcctTerminateCause;
import org.aaa4j.radius.core.attribute.attributes.FramedIpAddress;
import org.aaa4j.radius.core.attribute.attributes.FramedIpv6Address;
import org.aaa4j.radius.core.attribute.attributes.MessageAuthenticator;
import org.aaa4j.radius.core.dictionary.dictionaries.StandardDictionary;
import org.aaa4j.radius.core.packet.PacketCodec;
import org.aaa4j.radius.core.packet.packets.AccountingRequest;
import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.IpAddress;

class AcctRecordTest {

	static final IpAddress V6 = IpAddress.parse("fd3c:1a2b:4c5d::a:2");
	static final byte[] V6_BYTES = { (byte) 0xfd, 0x3c, 0x1a, 0x2b, 0x4c, 0x5d, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 2 };
	static final AcctRecord STOP = new AcctRecord(AcctRecord.STOP, "abc-1", "alice smith", "172.31.0.2:4000", 0x0A4D0909, V6,
			5L << 32 | 7, 12, 3, 4, 60, 6, "Y2xz", 1_000);
	static final AcctRecord STOP_V4_ONLY = new AcctRecord(AcctRecord.STOP, "abc-1", "alice smith", "172.31.0.2:4000", 0x0A4D0909, null,
			5L << 32 | 7, 12, 3, 4, 60, 6, "Y2xz", 1_000);
	/** STOP_V4_ONLY as the previous version wrote it: 13 fields, no IPv6 address. */
	static final String OLD_LINE = "2\tYWJjLTE=\tYWxpY2Ugc21pdGg=\tMTcyLjMxLjAuMjo0MDAw\t172820745\t21474836487\t12\t3\t4\t60\t6\tY2xz\t1000";

	@Test
	void aQueuedStopSurvivesAsOneLine() {
		assertThat(AcctRecord.parse(STOP.line())).isEqualTo(STOP);
		assertThat(AcctRecord.parse(STOP_V4_ONLY.line())).isEqualTo(STOP_V4_ONLY);
		assertThat(STOP.line()).doesNotContain("\n").endsWith("\tfd3c:1a2b:4c5d::a:2");
		assertThatThrownBy(() -> AcctRecord.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void aStopQueuedByThePreviousVersionStillParses() {
		assertThat(OLD_LINE.split("\t")).hasSize(13);
		assertThat(AcctRecord.parse(OLD_LINE)).isEqualTo(STOP_V4_ONLY);
	}

	@Test
	void aMalformedOrForeignIpv6FieldIsRefused() {
		String line = STOP.line();
		String head = line.substring(0, line.lastIndexOf('\t') + 1);
		for (String bad : new String[] { "10.77.9.9", "fd3c::zz", "localhost", "fd3c::1/64", "fe80::1%eth0", "" }) {
			assertThatThrownBy(() -> AcctRecord.parse(head + bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
		}
		assertThatThrownBy(() -> AcctRecord.parse(line + "\textra")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> new AcctRecord(AcctRecord.STOP, "s", "u", "e", 0, IpAddress.parse("192.0.2.1"), 0, 0, 0, 0, 0, 0, "", 0))
				.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void framedIpv6AddressCarriesTheSessionsSixteenBytes() throws Exception {
		for (int status : new int[] { AcctRecord.START, AcctRecord.INTERIM, AcctRecord.STOP }) {
			AccountingRequest p = withStatus(STOP, status).packet("gw", InetAddress.getByName("192.0.2.1"), 3_000);
			assertThat(p.getAttribute(FramedIpv6Address.class).orElseThrow().getData().getValue().getAddress()).isEqualTo(V6_BYTES);
			assertThat(p.getAttribute(FramedIpAddress.class)).isPresent();
			// on the wire: type 168 (RFC 6911), length 18, the 16 address bytes
			assertThat(attributes(p, 168)).singleElement().isEqualTo(V6_BYTES);
		}
	}

	@Test
	void withoutAnIpv6AddressThereIsNoFramedIpv6Address() throws Exception {
		AccountingRequest p = STOP_V4_ONLY.packet("gw", InetAddress.getByName("192.0.2.1"), 3_000);
		assertThat(p.getAttribute(FramedIpv6Address.class)).isEmpty();
		assertThat(attributes(p, 168)).isEmpty();
		assertThat(attributes(p, 8)).singleElement().isEqualTo(new byte[] { 10, 77, 9, 9 });
		assertThat(AcctRecord.onOff(AcctRecord.ON, 0).packet("gw", null, 0).getAttribute(FramedIpv6Address.class)).isEmpty();
	}

	@Test
	void aV4MappedAddressStaysIpv6OnTheWire() throws Exception {
		IpAddress mapped = IpAddress.parse("::ffff:192.0.2.7");
		AcctRecord r = new AcctRecord(AcctRecord.START, "s", "u", "e", 0, mapped, 0, 0, 0, 0, 0, 0, "", 0);
		assertThat(attributes(r.packet("gw", null, 0), 168)).singleElement().isEqualTo(mapped.bytes());
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

	private static AcctRecord withStatus(AcctRecord r, int status) {
		return new AcctRecord(status, r.sessionId(), r.user(), r.callingStation(), r.framedAddress(), r.framedAddress6(), r.inOctets(),
				r.outOctets(), r.inPackets(), r.outPackets(), r.sessionSeconds(), r.terminateCause(), r.cls(), r.createdMillis());
	}

	/** The values of every attribute of {@code type} in the encoded packet. */
	static List<byte[]> attributes(AccountingRequest p, int type) throws Exception {
		byte[] wire = new PacketCodec(new StandardDictionary()).encodeRequest(p, "secret".getBytes(), new byte[16]);
		List<byte[]> values = new ArrayList<>();
		for (int at = 20; at < wire.length; at += wire[at + 1] & 0xFF) {
			if ((wire[at] & 0xFF) == type) {
				values.add(Arrays.copyOfRange(wire, at + 2, at + (wire[at + 1] & 0xFF)));
			}
		}
		return values;
	}
}
