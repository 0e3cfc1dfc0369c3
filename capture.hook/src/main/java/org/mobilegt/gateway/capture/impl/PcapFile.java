package org.mobilegt.gateway.capture.impl;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One capture's pcap output: {@code <prefix>.pcap}, or with a size limit a ring of
 * {@code <prefix>_00001.pcap}, {@code _00002}, ... of at most {@code maxBytes} each, of which the
 * newest {@code files} are kept (like dumpcap's ring buffer). Files are created new, never
 * overwritten. Used by the writer thread only; writing a packet allocates nothing.
 */
final class PcapFile implements AutoCloseable {

	private static final int BUFFER = 64 * 1024;
	private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY = PosixFilePermissions
			.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

	private final Path dir;
	private final String prefix;
	private final long maxBytes;
	private final int files;
	private final byte[] header = new byte[PcapFormat.RECORD_HEADER];
	private final Deque<Path> ring = new ArrayDeque<>();
	private OutputStream out;
	private long written;
	private int index;
	private long packets;

	private PcapFile(Path dir, String prefix, long maxBytes, int files) {
		this.dir = dir;
		this.prefix = prefix;
		this.maxBytes = maxBytes;
		this.files = files;
	}

	/** Creates the first file; {@code maxBytes} 0 means one file without limit. */
	static PcapFile create(Path dir, String prefix, long maxBytes, int files) throws IOException {
		PcapFile f = new PcapFile(dir, prefix, maxBytes, files);
		f.next();
		return f;
	}

	/** Appends a packet: {@code length} bytes of {@code data} stored of {@code original} on the wire. */
	void write(long micros, byte[] data, int length, int original) throws IOException {
		if (maxBytes > 0 && written > PcapFormat.GLOBAL_HEADER && written + PcapFormat.RECORD_HEADER + length > maxBytes) {
			out.close();
			next();
		}
		PcapFormat.recordHeader(header, micros, length, original);
		out.write(header);
		out.write(data, 0, length);
		written += PcapFormat.RECORD_HEADER + length;
		packets++;
	}

	void flush() throws IOException {
		out.flush();
	}

	@Override
	public void close() throws IOException {
		out.close();
	}

	/** The file being written. */
	Path current() {
		return ring.getLast();
	}

	/** The files kept, oldest first. */
	List<Path> files() {
		return new ArrayList<>(ring);
	}

	long packets() {
		return packets;
	}

	private void next() throws IOException {
		index++;
		String name = maxBytes > 0 ? String.format(Locale.ROOT, "%s_%05d.pcap", prefix, index) : prefix + ".pcap";
		Path file = dir.resolve(name);
		// 0600 from creation (the umask only takes bits away): the file holds a client's traffic
		out = new BufferedOutputStream(Channels.newOutputStream(Files.newByteChannel(file,
				Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY)), BUFFER);
		ring.addLast(file);
		while (ring.size() > files) {
			Files.deleteIfExists(ring.removeFirst());
		}
		byte[] global = new byte[PcapFormat.GLOBAL_HEADER];
		PcapFormat.globalHeader(global);
		out.write(global);
		out.flush(); // a capture that saw no packet yet is a valid, empty pcap file
		written = PcapFormat.GLOBAL_HEADER;
	}
}
