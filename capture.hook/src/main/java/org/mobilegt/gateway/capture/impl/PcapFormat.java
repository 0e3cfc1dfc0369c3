package org.mobilegt.gateway.capture.impl;

/**
 * The classic libpcap file format (what Wireshark, tshark and tcpdump read): a 24-byte global
 * header, then per packet a 16-byte record header and the packet bytes. Little-endian, the byte
 * order the magic number announces; microsecond timestamps; link type RAW (101): every record is
 * a bare IP packet, which is what the tunnel carries.
 */
final class PcapFormat {

	static final int GLOBAL_HEADER = 24;
	static final int RECORD_HEADER = 16;
	static final int MAGIC_MICROS = 0xA1B2C3D4;
	static final int LINKTYPE_RAW = 101;
	static final int SNAPLEN = 65535;

	private PcapFormat() {
	}

	/** Writes the global header into {@code b} at 0. */
	static void globalHeader(byte[] b) {
		int32(b, 0, MAGIC_MICROS);
		int16(b, 4, 2); // version 2.4
		int16(b, 6, 4);
		int32(b, 8, 0); // thiszone: timestamps are UTC
		int32(b, 12, 0); // sigfigs
		int32(b, 16, SNAPLEN);
		int32(b, 20, LINKTYPE_RAW);
	}

	/**
	 * Writes a record header into {@code b} at 0.
	 *
	 * @param micros   capture time in microseconds since the epoch
	 * @param included bytes of the packet stored in the file
	 * @param original the packet's length on the wire
	 */
	static void recordHeader(byte[] b, long micros, int included, int original) {
		int32(b, 0, (int) (micros / 1_000_000));
		int32(b, 4, (int) (micros % 1_000_000));
		int32(b, 8, included);
		int32(b, 12, original);
	}

	private static void int32(byte[] b, int at, int v) {
		b[at] = (byte) v;
		b[at + 1] = (byte) (v >>> 8);
		b[at + 2] = (byte) (v >>> 16);
		b[at + 3] = (byte) (v >>> 24);
	}

	private static void int16(byte[] b, int at, int v) {
		b[at] = (byte) v;
		b[at + 1] = (byte) (v >>> 8);
	}
}
