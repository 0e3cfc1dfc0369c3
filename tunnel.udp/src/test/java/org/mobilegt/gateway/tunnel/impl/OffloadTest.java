package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.Ipv4Packets;
import org.mobilegt.gateway.tun.api.TunDevice;

class OffloadTest {

	private static final int SRC = 0xAC1F0102;
	private static final int DST = 0x0A4D0002;
	private static final int SEQ = 0xFFFFF000; // wraps inside the segment
	private static final int ACK = 0x01020304;
	private static final int FIN_PSH_ACK_CWR = 0x01 | 0x08 | 0x10 | 0x80;

	/** An IPv4 TCP packet with a 12-byte TCP option block and {@code payload} bytes 0, 1, 2... */
	static ByteBuffer tcp(int payload, int flags) {
		int ipHeader = 20;
		int tcpHeader = 32;
		ByteBuffer p = ByteBuffer.allocate(ipHeader + tcpHeader + payload);
		p.put(0, (byte) 0x45).putShort(2, (short) p.capacity()).putShort(4, (short) 0xFFFE);
		p.put(6, (byte) 0x40).put(8, (byte) 64).put(9, (byte) 6).putInt(12, SRC).putInt(16, DST);
		p.putShort(20, (short) 443).putShort(22, (short) 40000).putInt(24, SEQ).putInt(28, ACK);
		p.put(32, (byte) (tcpHeader / 4 << 4)).put(33, (byte) flags).putShort(34, (short) 502);
		p.putInt(40, 0x0101080A).putInt(44, 0x11223344).putInt(48, 0x55667788); // NOP NOP timestamps
		for (int i = 0; i < payload; i++) {
			p.put(ipHeader + tcpHeader + i, (byte) i);
		}
		return p;
	}

	@Test
	void theHeaderIsTheTunApisVirtioNetHdrAndItsFieldsFillItExactly() {
		assertThat(TunDevice.VIRTIO_NET_HDR).as("sizeof(struct virtio_net_hdr) in linux/virtio_net.h").isEqualTo(10);
		assertThat(Offload.HEADER).isEqualTo(TunDevice.VIRTIO_NET_HDR);
		assertThat(List.of(Offload.FLAGS, Offload.GSO_TYPE, Offload.HDR_LEN, Offload.GSO_SIZE, Offload.CSUM_START,
				Offload.CSUM_OFFSET)).containsExactly(0, 1, 2, 4, 6, 8);
		ByteBuffer h = ByteBuffer.allocate(Offload.HEADER); // too small a header would throw here
		Offload.writeSegmentHeader(h, 0, Offload.GSO_TCPV4, 52, 1348, 20, 16);
		assertThat(Offload.gsoType(h, 0)).isEqualTo(Offload.GSO_TCPV4);
		assertThat(Offload.gsoSize(h, 0)).isEqualTo(1348);
		assertThat(Offload.csumStart(h, 0)).isEqualTo(20);
		assertThat(Offload.csumOffset(h, 0)).isEqualTo(16);
	}

	static List<ByteBuffer> cut(ByteBuffer segment, int mss) {
		ByteBuffer out = ByteBuffer.allocate(GsoSender.CAPACITY);
		int size = Offload.segment(segment, mss, out);
		assertThat(size).isPositive();
		List<ByteBuffer> packets = new ArrayList<>();
		for (int off = 0; off < out.position(); off += size) {
			packets.add(out.slice(off, Math.min(size, out.position() - off)));
		}
		return packets;
	}

	/** The TCP checksum over the pseudo header and the segment of IPv4 packet {@code p} (no IP options). */
	static int checksum(ByteBuffer p, int src, int dst) {
		int length = p.limit() - 20;
		byte[] bytes = new byte[12 + length];
		ByteBuffer.wrap(bytes).putInt(src).putInt(dst).putShort((short) 6).putShort((short) length);
		p.get(20, bytes, 12, length);
		return Ipv4Packets.checksum(bytes, 0, bytes.length, 0);
	}

	static int tcpChecksumOf(ByteBuffer p) {
		return checksum(p, SRC, DST);
	}

	@Test
	void aLargeSegmentBecomesPacketsOfTheMssWithTheirOwnHeaders() {
		int payload = 64000;
		int mss = 1348;
		List<ByteBuffer> packets = cut(tcp(payload, FIN_PSH_ACK_CWR), mss);

		assertThat(packets).hasSize((payload + mss - 1) / mss);
		int carried = 0;
		for (int i = 0; i < packets.size(); i++) {
			ByteBuffer p = packets.get(i);
			boolean last = i == packets.size() - 1;
			int size = last ? payload - carried : mss;
			assertThat(p.limit()).isEqualTo(52 + size);
			assertThat(Short.toUnsignedInt(p.getShort(2))).as("total length").isEqualTo(52 + size);
			assertThat(Short.toUnsignedInt(p.getShort(4))).as("IP id").isEqualTo((0xFFFE + i) & 0xFFFF);
			assertThat(Ipv4Packets.checksum(bytes(p), 0, 20, 0)).as("IP checksum of %d", i).isZero();
			assertThat(tcpChecksumOf(p)).as("TCP checksum of %d", i).isZero();
			assertThat(p.getInt(24)).as("sequence").isEqualTo(SEQ + carried);
			assertThat(p.getInt(28)).isEqualTo(ACK);
			assertThat(p.getInt(44)).as("options copied").isEqualTo(0x11223344);
			int flags = p.get(33) & 0xFF;
			assertThat(flags & 0x10).as("ACK on all").isNotZero();
			assertThat(flags & 0x09).as("FIN and PSH only on the last").isEqualTo(last ? 0x09 : 0);
			assertThat(flags & 0x80).as("CWR only on the first").isEqualTo(i == 0 ? 0x80 : 0);
			for (int k = 0; k < size; k++) {
				assertThat(p.get(52 + k)).isEqualTo((byte) (carried + k));
			}
			carried += size;
		}
		assertThat(carried).isEqualTo(payload);
	}

	@Test
	void aSegmentNoLargerThanTheMssStaysOnePacket() {
		List<ByteBuffer> packets = cut(tcp(100, 0x18), 1400);
		assertThat(packets).hasSize(1);
		assertThat(packets.get(0).limit()).isEqualTo(152);
		assertThat(tcpChecksumOf(packets.get(0))).isZero();
	}

	@Test
	void whatCannotBeCutIsRefused() {
		ByteBuffer out = ByteBuffer.allocate(GsoSender.CAPACITY);
		ByteBuffer udp = tcp(100, 0);
		udp.put(9, (byte) 17);
		assertThat(Offload.segment(udp, 1400, out)).as("not TCP").isEqualTo(-1);
		ByteBuffer v6 = tcp(100, 0);
		v6.put(0, (byte) 0x60);
		assertThat(Offload.segment(v6, 1400, out)).as("not IPv4").isEqualTo(-1);
		assertThat(Offload.segment(tcp(100, 0).limit(30), 1400, out)).as("truncated header").isEqualTo(-1);
		assertThat(Offload.segment(tcp(100, 0), 0, out)).as("no mss").isEqualTo(-1);
		assertThat(Offload.segment(tcp(60000, 0), 10, out)).as("packets beyond the buffer").isEqualTo(-1);
		assertThat(out.position()).as("nothing written").isZero();
	}

	@Test
	void aPartialChecksumIsFinished() {
		ByteBuffer p = tcp(333, 0x18);
		int length = p.limit() - 20;
		// what the kernel leaves with CHECKSUM_PARTIAL: the folded pseudo-header sum, not complemented
		long pseudo = (SRC & 0xFFFFFFFFL) + DST + 6 + length;
		int partial = ~Checksums.finish(pseudo) & 0xFFFF;
		ByteBuffer framed = ByteBuffer.allocate(7 + p.limit()).position(7);
		framed.put(p.duplicate().putShort(36, (short) partial)).flip().position(7);

		Offload.finishChecksum(framed, 20, 16);

		assertThat(tcpChecksumOf(framed.slice())).isZero();
	}

	@Test
	void theVirtioHeaderIsReadLittleEndian() {
		ByteBuffer h = ByteBuffer.allocate(Offload.HEADER);
		h.put(0, (byte) Offload.F_NEEDS_CSUM).put(1, (byte) (Offload.GSO_TCPV4 | Offload.GSO_ECN));
		h.put(4, (byte) 0x48).put(5, (byte) 0x05).put(6, (byte) 20).put(8, (byte) 16);
		assertThat(Offload.flags(h, 0)).isEqualTo(Offload.F_NEEDS_CSUM);
		assertThat(Offload.gsoType(h, 0)).isEqualTo(Offload.GSO_TCPV4);
		assertThat(Offload.gsoSize(h, 0)).isEqualTo(1352);
		assertThat(Offload.csumStart(h, 0)).isEqualTo(20);
		assertThat(Offload.csumOffset(h, 0)).isEqualTo(16);
	}

	private static byte[] bytes(ByteBuffer p) {
		byte[] b = new byte[p.limit()];
		p.get(0, b);
		return b;
	}
}
