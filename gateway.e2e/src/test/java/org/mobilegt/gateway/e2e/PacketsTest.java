package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** The packet builders and parsers, against packets the Linux kernel sent (captured with tshark). */
class PacketsTest {

	/** ping -c 1 -s 13 -p 41 10.9.0.2, from 10.9.0.1: IP ID 0xc9dd, ICMP id 0x274b, seq 1. */
	private static final byte[] KERNEL_ECHO_REQUEST = hex("45000029c9dd400040015ce20a0900010a090002"
			+ "0800082c274b0001" + "41".repeat(13));
	/** The kernel's reply to it (no DF, IP ID 0xc606). */
	private static final byte[] KERNEL_ECHO_REPLY = hex("45000029c60600004001a0b90a0900020a090001"
			+ "0000102c274b0001" + "41".repeat(13));
	/**
	 * "hello, gateway!" from 10.9.0.1:40000 to 10.9.0.2:9999, IP ID 0xccba. The capture on a veth
	 * showed checksum offload's partial sum (0x143d, the pseudo header only); 0x7a91 is the full
	 * checksum, computed independently (Python).
	 */
	private static final byte[] KERNEL_UDP = hex("4500002bccba4000401159f30a0900010a090002" + "9c40270f00177a91"
			+ HexFormat.of().formatHex("hello, gateway!".getBytes(StandardCharsets.US_ASCII)));

	@Test
	void parsesTheKernelsEchoRequest() {
		Ipv4Packet p = Ipv4Packet.parse(KERNEL_ECHO_REQUEST);
		assertThat(p.source()).isEqualTo("10.9.0.1");
		assertThat(p.destination()).isEqualTo("10.9.0.2");
		assertThat(p.protocol()).isEqualTo(Packets.ICMP);
		assertThat(p.ttl()).isEqualTo(64);
		assertThat(p.headerChecksumOk()).isTrue();
		Ipv4Packet.Icmp icmp = p.icmp();
		assertThat(icmp.isEchoRequest()).isTrue();
		assertThat(icmp.id()).isEqualTo(0x274b);
		assertThat(icmp.sequence()).isEqualTo(1);
		assertThat(icmp.data()).isEqualTo("AAAAAAAAAAAAA".getBytes(StandardCharsets.US_ASCII));
		assertThat(icmp.checksumOk()).isTrue();
	}

	@Test
	void buildsTheSameEchoRequestAsTheKernel() {
		byte[] built = Packets.icmpEchoRequest("10.9.0.1", "10.9.0.2", 0x274b, 1, "AAAAAAAAAAAAA".getBytes(StandardCharsets.US_ASCII));
		// the IP identification differs (and so the header checksum); everything else is identical
		assertThat(built).hasSameSizeAs(KERNEL_ECHO_REQUEST);
		assertThat(Arrays.copyOfRange(built, 20, built.length)).isEqualTo(Arrays.copyOfRange(KERNEL_ECHO_REQUEST, 20, 41));
		assertThat(Arrays.copyOfRange(built, 0, 4)).isEqualTo(Arrays.copyOfRange(KERNEL_ECHO_REQUEST, 0, 4));
		assertThat(Arrays.copyOfRange(built, 6, 10)).isEqualTo(Arrays.copyOfRange(KERNEL_ECHO_REQUEST, 6, 10));
		assertThat(Ipv4Packet.parse(built).headerChecksumOk()).isTrue();
	}

	@Test
	void computesTheKernelsHeaderChecksum() {
		byte[] header = Arrays.copyOf(KERNEL_ECHO_REQUEST, 20);
		header[10] = header[11] = 0;
		assertThat(Packets.checksum(header, 0, 20)).isEqualTo(0x5ce2);
	}

	@Test
	void buildsTheSameUdpDatagramAsTheKernel() {
		byte[] built = Packets.udp("10.9.0.1", 40000, "10.9.0.2", 9999, "hello, gateway!".getBytes(StandardCharsets.US_ASCII));
		assertThat(Arrays.copyOfRange(built, 20, built.length)).isEqualTo(Arrays.copyOfRange(KERNEL_UDP, 20, KERNEL_UDP.length));
		Ipv4Packet.Udp udp = Ipv4Packet.parse(KERNEL_UDP).udp();
		assertThat(udp.sourcePort()).isEqualTo(40000);
		assertThat(udp.destinationPort()).isEqualTo(9999);
		assertThat(new String(udp.data(), StandardCharsets.US_ASCII)).isEqualTo("hello, gateway!");
		assertThat(udp.checksumOk()).isTrue();
	}

	@Test
	void echoReplyToMatchesTheKernelsReply() {
		byte[] reply = Packets.echoReplyTo(KERNEL_ECHO_REQUEST);
		Ipv4Packet p = Ipv4Packet.parse(reply);
		assertThat(p.source()).isEqualTo("10.9.0.2");
		assertThat(p.destination()).isEqualTo("10.9.0.1");
		assertThat(p.isEchoReply(0x274b, 1)).isTrue();
		assertThat(Arrays.copyOfRange(reply, 20, reply.length)).isEqualTo(Arrays.copyOfRange(KERNEL_ECHO_REPLY, 20, 41));
		assertThat(Ipv4Packet.parse(KERNEL_ECHO_REPLY).isEchoReply(0x274b, 1)).isTrue();
		assertThat(Ipv4Packet.parse(KERNEL_ECHO_REPLY).isEchoReply(0x274b, 2)).isFalse();
	}

	@Test
	void detectsCorruption() {
		byte[] udp = KERNEL_UDP.clone();
		udp[udp.length - 1] ^= 1;
		assertThat(Ipv4Packet.parse(udp).udp().checksumOk()).isFalse();
		byte[] icmp = KERNEL_ECHO_REQUEST.clone();
		icmp[30] ^= 1;
		assertThat(Ipv4Packet.parse(icmp).icmp().checksumOk()).isFalse();
		byte[] header = KERNEL_ECHO_REQUEST.clone();
		header[8] = 63; // a TTL change without checksum update
		assertThat(Ipv4Packet.parse(header).headerChecksumOk()).isFalse();
	}

	@Test
	void rejectsWhatIsNotACompleteIpv4Packet() {
		assertThatThrownBy(() -> Ipv4Packet.parse(hex("6000000000000000000000000000000000000000")))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x60");
		assertThatThrownBy(() -> Ipv4Packet.parse(Arrays.copyOf(KERNEL_UDP, 30)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("total length 43");
		assertThatThrownBy(() -> Ipv4Packet.parse(KERNEL_UDP).icmp()).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> Packets.icmpEchoRequest("gateway", "10.0.0.1", 1, 1, new byte[0]))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IPv4 address");
	}

	@Test
	void ignoresBytesAfterTheTotalLength() {
		byte[] padded = Arrays.copyOf(KERNEL_UDP, KERNEL_UDP.length + 7);
		assertThat(Ipv4Packet.parse(padded).udp().data()).hasSize(15);
	}

	private static byte[] hex(String s) {
		return HexFormat.of().parseHex(s);
	}
}
