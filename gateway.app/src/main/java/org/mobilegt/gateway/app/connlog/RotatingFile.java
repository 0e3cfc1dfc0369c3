package org.mobilegt.gateway.app.connlog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.mobilegt.gateway.common.PrivateFiles;

/**
 * An append-only text file that is rotated ({@code file.1} the newest old one) before it would
 * grow past {@code maxBytes}, keeping {@code files} files in all. Files are created 0600: the log
 * names clients and their addresses.
 */
final class RotatingFile implements AutoCloseable {

	private final Path file;
	private final long maxBytes;
	private final int files;
	private FileChannel channel;
	private long size;

	RotatingFile(Path file, long maxBytes, int files) {
		this.file = file;
		this.maxBytes = maxBytes;
		this.files = files;
	}

	/** Appends one line (a newline is added); a line longer than maxBytes gets a file of its own. */
	synchronized void append(String line) throws IOException {
		byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
		open();
		if (size > 0 && size + bytes.length > maxBytes) {
			rotate();
		}
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
		size += bytes.length;
	}

	/** Opens (creates) the file now; append opens it too when needed. */
	synchronized void open() throws IOException {
		if (channel != null) {
			return;
		}
		Path dir = file.toAbsolutePath().getParent();
		if (dir != null) {
			Files.createDirectories(dir);
		}
		channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
				PosixFilePermissions.asFileAttribute(PrivateFiles.OWNER_FILE));
		size = channel.size();
	}

	private void rotate() throws IOException {
		channel.close();
		channel = null;
		Files.deleteIfExists(numbered(files - 1));
		for (int i = files - 2; i >= 1; i--) {
			if (Files.exists(numbered(i))) {
				Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
			}
		}
		if (files > 1) {
			Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
		} else {
			Files.delete(file);
		}
		open();
	}

	private Path numbered(int n) {
		return file.resolveSibling(file.getFileName() + "." + n);
	}

	@Override
	public synchronized void close() throws IOException {
		if (channel != null) {
			channel.close();
			channel = null;
		}
	}
}
