package org.mobilegt.gateway.e2e;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A parsed IPv4 packet, with its ICMP or UDP content on demand, so a test can assert what
 * arrived: {@code Ipv4Packet.parse(bytes).icmp().isEchoReply()}. Checksums are verified, not
 * trusted: each part says whether its checksum is right.
 */
public record Ipv4Packet(String source, String destination, int protocol, int ttl, byte[] payload,
		boolean headerChecksumOk) {

	/** An ICMP message; id and sequence are those of echo request/reply messages. */
	public record Icmp(int type, int code, int id, int sequence, byte[] data, boolean checksumOk) {

		public boolean isEchoRequest() {
			return type == Packets.ICMP_ECHO_REQUEST && code == 0;
		}

		public boolean isEchoReply() {
			return type == Packets.ICMP_ECHO_REPLY && code == 0;
		}

		@Override
		public String toString() {
			return "ICMP type " + type + " code " + code + " id " + id + " seq " + sequence + ", " + data.length
					+ " data bytes" + (checksumOk ? "" : ", BAD CHECKSUM");
		}
	}

	public record Udp(int sourcePort, int destinationPort, byte[] data, boolean checksumOk) {

		@Override
		public String toString() {
			return "UDP " + sourcePort + " > " + destinationPort + ", " + data.length + " bytes"
					+ (checksumOk ? "" : ", BAD CHECKSUM");
		}
	}

	public static Ipv4Packet parse(byte[] packet) {
		return parse(packet, packet.length);
	}

	/**
	 * Parses the first {@code length} bytes of {@code packet}.
	 *
	 * @throws IllegalArgumentException if it is not a complete IPv4 packet
	 */
	public static Ipv4Packet parse(byte[] packet, int length) {
		if (length < 20 || (packet[0] & 0xf0) != 0x40) {
			throw new IllegalArgumentException("not an IPv4 packet (" + length + " bytes, first byte "
					+ (length == 0 ? "none" : String.format("0x%02x", packet[0])) + ")");
		}
		int headerLength = (packet[0] & 0x0f) * 4;
		int total = ((packet[2] & 0xff) << 8) | (packet[3] & 0xff);
		if (headerLength < 20 || total < headerLength || total > length) {
			throw new IllegalArgumentException("malformed IPv4 packet: header " + headerLength + ", total length " + total
					+ ", " + length + " bytes present");
		}
		return new Ipv4Packet(dotted(packet, 12), dotted(packet, 16), packet[9] & 0xff, packet[8] & 0xff,
				Arrays.copyOfRange(packet, headerLength, total), Packets.checksum(packet, 0, headerLength) == 0);
	}

	public boolean isIcmp() {
		return protocol == Packets.ICMP;
	}

	public boolean isUdp() {
		return protocol == Packets.UDP;
	}

	/** The ICMP message. @throws IllegalStateException if this is not ICMP */
	public Icmp icmp() {
		require(Packets.ICMP, 8);
		ByteBuffer b = ByteBuffer.wrap(payload);
		return new Icmp(b.get(0) & 0xff, b.get(1) & 0xff, b.getShort(4) & 0xffff, b.getShort(6) & 0xffff,
				Arrays.copyOfRange(payload, 8, payload.length), Packets.checksum(payload, 0, payload.length) == 0);
	}

	/** The UDP datagram. @throws IllegalStateException if this is not UDP */
	public Udp udp() {
		require(Packets.UDP, 8);
		ByteBuffer b = ByteBuffer.wrap(payload);
		int length = b.getShort(4) & 0xffff;
		if (length < 8 || length > payload.length) {
			throw new IllegalStateException("malformed UDP length " + length + " in " + this);
		}
		boolean checksumOk = b.getShort(6) == 0 // the sender did not compute one
				|| (~Packets.sum(Packets.pseudoHeaderSum(Packets.address(source), Packets.address(destination), Packets.UDP,
						length), payload, 0, length) & 0xffff) == 0;
		return new Udp(b.getShort(0) & 0xffff, b.getShort(2) & 0xffff, Arrays.copyOfRange(payload, 8, length), checksumOk);
	}

	/** True if this is an ICMP echo reply with that id and sequence number. */
	public boolean isEchoReply(int id, int sequence) {
		if (!isIcmp() || payload.length < 8) {
			return false;
		}
		Icmp icmp = icmp();
		return icmp.isEchoReply() && icmp.id() == id && icmp.sequence() == sequence;
	}

	private void require(int expected, int minLength) {
		if (protocol != expected) {
			throw new IllegalStateException("expected protocol " + expected + " but got " + this);
		}
		if (payload.length < minLength) {
			throw new IllegalStateException("truncated protocol " + protocol + " content in " + this);
		}
	}

	private static String dotted(byte[] p, int offset) {
		return (p[offset] & 0xff) + "." + (p[offset + 1] & 0xff) + "." + (p[offset + 2] & 0xff) + "." + (p[offset + 3] & 0xff);
	}

	@Override
	public String toString() {
		return "IPv4 " + source + " > " + destination + " protocol " + protocol + " ttl " + ttl + ", " + payload.length
				+ " payload bytes" + (headerChecksumOk ? "" : ", BAD HEADER CHECKSUM");
	}
}
