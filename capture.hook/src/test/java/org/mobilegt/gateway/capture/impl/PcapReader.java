package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads classic little-endian pcap files back, independently of the writer. */
final class PcapReader {

	record Record(long seconds, long micros, int included, int original, byte[] data) {
	}

	record File(int magic, int major, int minor, int snaplen, int linktype, List<Record> records) {
	}

	private PcapReader() {
	}

	static File read(Path path) throws IOException {
		ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
		int magic = b.getInt();
		int major = b.getShort();
		int minor = b.getShort();
		b.getInt();
		b.getInt();
		int snaplen = b.getInt();
		int linktype = b.getInt();
		List<Record> records = new ArrayList<>();
		while (b.remaining() > 0) {
			long sec = b.getInt() & 0xFFFFFFFFL;
			long usec = b.getInt() & 0xFFFFFFFFL;
			int incl = b.getInt();
			int orig = b.getInt();
			byte[] data = new byte[incl];
			b.get(data);
			records.add(new Record(sec, usec, incl, orig, data));
		}
		return new File(magic, major, minor, snaplen, linktype, records);
	}

	static boolean same(Record r, byte[] packet) {
		return Arrays.equals(r.data(), packet);
	}
}
