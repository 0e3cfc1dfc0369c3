package org.mobilegt.gateway.net.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import inet.ipaddr.ipv6.IPv6Address;

/** The text forms of RFC 4291 section 2.2 in, the canonical forms of RFC 5952 section 4 out. */
class IpAddressTest {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource({
			// RFC 4291 2.2 form 1: the full form, leading zeros in groups allowed
			"2001:0DB8:0000:0000:0008:0800:200C:417A, 2001:db8::8:800:200c:417a",
			"2001:db8:0:0:8:800:200c:417a,            2001:db8::8:800:200c:417a",
			// form 2: "::" compressed
			"FF01::101,                               ff01::101",
			"::1,                                     ::1",
			"::,                                      ::",
			"1::,                                     1::",
			// RFC 5952 4.1 leading zeros dropped, 4.3 lower case
			"2001:0db8::0001,                         2001:db8::1",
			"2001:DB8::AbCd,                          2001:db8::abcd",
			// 4.2.1 the longest run is compressed
			"2001:db8:0:0:1:0:0:0,                    2001:db8:0:0:1::",
			"2001:0:0:1:0:0:0:1,                      2001:0:0:1::1",
			// 4.2.3 on a tie, the first run
			"2001:db8:0:0:1:0:0:1,                    2001:db8::1:0:0:1",
			// 4.2.2 a single zero group is not compressed
			"2001:db8:0:1:1:1:1:1,                    2001:db8:0:1:1:1:1:1",
			"2001:db8::1:1:1:1:1,                     2001:db8:0:1:1:1:1:1",
			// form 3 and RFC 5952 5: v4-mapped keeps its dotted quad, either way in
			"::ffff:192.0.2.1,                        ::ffff:192.0.2.1",
			"::FFFF:c000:0201,                        ::ffff:192.0.2.1",
			"0:0:0:0:0:ffff:1.2.3.4,                  ::ffff:1.2.3.4",
			// other embedded forms are plain IPv6 out
			"::13.1.68.3,                             ::d01:4403",
			"64:ff9b::192.0.2.33,                     64:ff9b::c000:221" })
	void ipv6TextFormsAreCanonicalised(String text, String canonical) {
		IpAddress a = IpAddress.parse(text);
		assertThat(a.isIpv6()).isTrue();
		assertThat(a.toString()).isEqualTo(canonical);
		assertThat(IpAddress.parse(canonical)).as("canonical text parses back to the same").isEqualTo(a);
	}

	@Test
	void ipv6TextIsTheLibrarysCanonicalFormForAnyPatternOfZeroGroups() {
		SplittableRandom random = new SplittableRandom(5952);
		byte[] bytes = new byte[16];
		for (int n = 0; n < 200_000; n++) {
			for (int g = 0; g < 8; g++) { // each group zero half the time: every run length and position
				int v = random.nextBoolean() ? 0 : random.nextInt(1, 0x10000) >> random.nextInt(16);
				bytes[2 * g] = (byte) (v >>> 8);
				bytes[2 * g + 1] = (byte) v;
			}
			IpAddress a = IpAddress.of(bytes);
			if (!a.isIpv4Mapped()) {
				assertThat(a.toString()).isEqualTo(new IPv6Address(bytes).toCanonicalString());
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "0.0.0.0", "192.0.2.1", "255.255.255.255", "10.77.0.1" })
	void ipv4RoundTrips(String text) {
		IpAddress a = IpAddress.parse(text);
		assertThat(a.isIpv4()).isTrue();
		assertThat(a.toString()).isEqualTo(text);
		assertThat(IpAddress.formatIpv4(a.ipv4())).isEqualTo(text);
		assertThat(IpAddress.parseIpv4(text)).isEqualTo(a.ipv4());
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"256.1.1.1 | IPv4 segment too large",
			"1.2.3.256 | IPv4 segment too large",
			"1.2.3 | less than four segments",
			"1.2.3.4.5 | ",
			"01.2.3.4 | starts with zero",
			"1.2.3.010 | starts with zero",
			"0x7f.0.0.1 | ",
			"127.1 | ",
			"2130706433 | ",
			"1.2.3.-4 | ",
			"1.2.3.* | ",
			"localhost | ",
			"dns.google | ",
			"fe80::1%eth0 | ",
			"2001:db8::/32 | ",
			"1.2.3.4/32 | ",
			"1:2:3:4:5:6:7:8:9 | ",
			"1::2::3 | ",
			"2001:db8::00001 | ",
			"[::1] | ",
			"::ffff:01.2.3.4 | ",
			"::ffff:1.2.3 | ",
			"' 1.2.3.4' | contains a space",
			"'1.2.3.4 ' | contains a space",
			"'' | " })
	void badLiteralsAreRefusedNamingTheTextAndTheRule(String text, String detail) {
		assertThatThrownBy(() -> IpAddress.parse(text)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageStartingWith("'" + text + "' is not an IP address")
				.hasMessageContaining("IPv4 is four decimal numbers 0-255 without leading zeros")
				.hasMessageContaining(detail == null ? "" : detail);
	}

	@Test
	void nullAndControlCharactersAreRefusedAndNotEchoed() {
		assertThatThrownBy(() -> IpAddress.parse(null)).hasMessageStartingWith("null is not an IP address");
		assertThatThrownBy(() -> IpAddress.parse("1.2.3.4\n\u001b[2J")).hasMessageStartingWith("'1.2.3.4??[2J' is not");
	}

	@Test
	void parseIpv4RefusesIpv6() {
		assertThatThrownBy(() -> IpAddress.parseIpv4("::ffff:1.2.3.4")).hasMessage(
				"'::ffff:1.2.3.4' is not an IPv4 address: expected four decimal numbers 0-255 without leading zeros (192.0.2.1)");
	}

	@Test
	void keysAreTheBitsOfTheAddress() {
		assertThat(IpAddress.parse("192.0.2.1").ipv4()).isEqualTo(0xC0000201);
		IpAddress v6 = IpAddress.parse("2001:db8::8:800:200c:417a");
		assertThat(v6.high()).isEqualTo(0x20010db800000000L);
		assertThat(v6.low()).isEqualTo(0x00080800200c417aL);
		assertThat(IpAddress.ofIpv6(v6.high(), v6.low())).isEqualTo(v6);
		assertThat(IpAddress.ofIpv4(0xC0000201)).isEqualTo(IpAddress.parse("192.0.2.1"));
		assertThatThrownBy(v6::ipv4).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> IpAddress.parse("1.2.3.4").high()).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void familiesNeverMix() {
		IpAddress mapped = IpAddress.parse("::ffff:192.0.2.1");
		assertThat(mapped.isIpv4Mapped()).isTrue();
		assertThat(mapped).isNotEqualTo(IpAddress.parse("192.0.2.1"));
		assertThat(IpAddress.parse("::c000:201").isIpv4Mapped()).isFalse();
		assertThat(IpAddress.parse("192.0.2.1")).isLessThan(IpAddress.parse("::"));
	}

	@Test
	void bytesAndInetAddressesRoundTrip() throws Exception {
		IpAddress v6 = IpAddress.parse("2001:db8::1");
		assertThat(IpAddress.of(v6.bytes())).isEqualTo(v6);
		assertThat(IpAddress.of(v6.toInetAddress())).isEqualTo(v6);
		assertThat(v6.toInetAddress()).isEqualTo(InetAddress.getByAddress(v6.bytes()));
		IpAddress v4 = IpAddress.parse("203.0.113.200");
		assertThat(v4.bytes()).containsExactly(203, 0, 113, 200);
		assertThat(IpAddress.of(v4.toInetAddress())).isEqualTo(v4);
		assertThatThrownBy(() -> IpAddress.of(new byte[5])).hasMessage("an IP address has 4 or 16 bytes, not 5");
	}

	@Test
	void javaFoldsV4MappedIntoIpv4() {
		IpAddress mapped = IpAddress.parse("::ffff:192.0.2.1");
		assertThat(IpAddress.of(mapped.toInetAddress())).isEqualTo(IpAddress.parse("192.0.2.1"));
		assertThat(IpAddress.of(mapped.bytes())).as("bytes keep the family").isEqualTo(mapped);
	}
}
