package org.mobilegt.gateway.e2e;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Builders of raw IPv4 packets with correct checksums, as a ToyVpn client sends them (TTL 64, DF
 * set). Parse replies with {@link Ipv4Packet#parse(byte[])}.
 */
public final class Packets {

	public static final int ICMP = 1;
	public static final int TCP = 6;
	public static final int UDP = 17;
	static final int ICMP_ECHO_REPLY = 0;
	static final int ICMP_ECHO_REQUEST = 8;
	private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
	private static final AtomicInteger IDENTIFICATION = new AtomicInteger();

	private Packets() {
	}

	/** An ICMP echo request ("ping") from {@code src} to {@code dst}. */
	public static byte[] icmpEchoRequest(String src, String dst, int id, int seq, byte[] payload) {
		return ipv4(src, dst, ICMP, icmpEcho(ICMP_ECHO_REQUEST, id, seq, payload));
	}

	/** An ICMP echo reply from {@code src} to {@code dst}. */
	public static byte[] icmpEchoReply(String src, String dst, int id, int seq, byte[] payload) {
		return ipv4(src, dst, ICMP, icmpEcho(ICMP_ECHO_REPLY, id, seq, payload));
	}

	/** The reply a host would send to the echo request {@code request}: addresses swapped. */
	public static byte[] echoReplyTo(byte[] request) {
		Ipv4Packet p = Ipv4Packet.parse(request);
		Ipv4Packet.Icmp icmp = p.icmp();
		if (!icmp.isEchoRequest()) {
			throw new IllegalArgumentException("not an ICMP echo request: " + p);
		}
		return icmpEchoReply(p.destination(), p.source(), icmp.id(), icmp.sequence(), icmp.data());
	}

	/** A UDP datagram in an IPv4 packet. */
	public static byte[] udp(String src, int srcPort, String dst, int dstPort, byte[] payload) {
		int length = 8 + payload.length;
		ByteBuffer b = ByteBuffer.allocate(length);
		b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) length).putShort((short) 0).put(payload);
		byte[] segment = b.array();
		int sum = udpChecksum(address(src), address(dst), segment);
		segment[6] = (byte) (sum >> 8);
		segment[7] = (byte) sum;
		return ipv4(src, dst, UDP, segment);
	}

	/** A UDP datagram in an IPv6 packet (hop limit 64) between two IPv6 literals. */
	public static byte[] udp6(String src, int srcPort, String dst, int dstPort, byte[] payload) {
		int length = 8 + payload.length;
		byte[] s = address6(src);
		byte[] d = address6(dst);
		ByteBuffer b = ByteBuffer.allocate(40 + length);
		b.putInt(0x60000000).putShort((short) length).put((byte) UDP).put((byte) 64).put(s).put(d);
		b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) length).putShort((short) 0).put(payload);
		byte[] packet = b.array();
		byte[] pseudo = ByteBuffer.allocate(40).put(s).put(d).putInt(length).putInt(UDP).array();
		int sum = ~sum(sum(0, pseudo, 0, 40), packet, 40, length) & 0xffff;
		sum = sum == 0 ? 0xffff : sum;
		packet[46] = (byte) (sum >> 8);
		packet[47] = (byte) sum;
		return packet;
	}

	/** The 16 bytes of an IPv6 literal (a text with ':' is never looked up as a name). */
	static byte[] address6(String literal) {
		if (!literal.contains(":")) {
			throw new IllegalArgumentException("not an IPv6 address: " + literal);
		}
		try {
			return InetAddress.getByName(literal).getAddress();
		} catch (UnknownHostException e) {
			throw new IllegalArgumentException("not an IPv6 address: " + literal, e);
		}
	}

	/** An IPv4 packet (20-byte header, TTL 64, DF) around {@code payload}. */
	public static byte[] ipv4(String src, String dst, int protocol, byte[] payload) {
		int length = 20 + payload.length;
		if (length > 65535) {
			throw new IllegalArgumentException("IPv4 packet too long: " + length);
		}
		ByteBuffer b = ByteBuffer.allocate(length);
		b.put((byte) 0x45).put((byte) 0).putShort((short) length);
		b.putShort((short) IDENTIFICATION.incrementAndGet()).putShort((short) 0x4000);
		b.put((byte) 64).put((byte) protocol).putShort((short) 0);
		b.put(address(src)).put(address(dst)).put(payload);
		byte[] packet = b.array();
		int sum = checksum(packet, 0, 20);
		packet[10] = (byte) (sum >> 8);
		packet[11] = (byte) sum;
		return packet;
	}

	/** The Internet checksum (RFC 1071) of a range: the value to store in the checksum field. */
	public static int checksum(byte[] data, int offset, int length) {
		return ~sum(0, data, offset, length) & 0xffff;
	}

	static int udpChecksum(byte[] src, byte[] dst, byte[] segment) {
		int sum = pseudoHeaderSum(src, dst, UDP, segment.length);
		int result = ~sum(sum, segment, 0, segment.length) & 0xffff;
		return result == 0 ? 0xffff : result; // 0 means "no checksum" in UDP
	}

	static int pseudoHeaderSum(byte[] src, byte[] dst, int protocol, int length) {
		byte[] pseudo = ByteBuffer.allocate(12).put(src).put(dst).put((byte) 0).put((byte) protocol)
				.putShort((short) length).array();
		return sum(0, pseudo, 0, 12);
	}

	/** Ones' complement sum of 16-bit words, folded, starting from {@code initial}. */
	static int sum(int initial, byte[] data, int offset, int length) {
		long sum = initial;
		int i = offset;
		for (; i + 1 < offset + length; i += 2) {
			sum += ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
		}
		if (i < offset + length) {
			sum += (data[i] & 0xff) << 8;
		}
		while (sum >> 16 != 0) {
			sum = (sum & 0xffff) + (sum >> 16);
		}
		return (int) sum;
	}

	private static byte[] icmpEcho(int type, int id, int seq, byte[] payload) {
		ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
		b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(payload);
		byte[] message = b.array();
		int sum = checksum(message, 0, message.length);
		message[2] = (byte) (sum >> 8);
		message[3] = (byte) sum;
		return message;
	}

	/** The 4 bytes of a dotted IPv4 literal (never a name lookup). */
	static byte[] address(String dotted) {
		if (!IPV4.matcher(dotted).matches()) {
			throw new IllegalArgumentException("not an IPv4 address: " + dotted);
		}
		try {
			return InetAddress.getByName(dotted).getAddress();
		} catch (UnknownHostException e) {
			throw new IllegalArgumentException("not an IPv4 address: " + dotted, e);
		}
	}
}
