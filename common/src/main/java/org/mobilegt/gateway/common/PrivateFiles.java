package org.mobilegt.gateway.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories only their owner may read, private from the moment they exist: the mode
 * is given to open(2)/mkdir(2) at creation, never set by a chmod afterwards (between the two, any
 * local user could open the file and keep reading it). For the shared key, the console password
 * and the framework storage that holds Configuration Admin's copies of them.
 */
public final class PrivateFiles {

	public static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
	public static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");

	private PrivateFiles() {
	}

	/**
	 * Writes {@code content} to {@code file} atomically: a temporary file in the same directory,
	 * created 0600 and synced to disk, then renamed over {@code file}. Readers see the old or the
	 * new content, never a part (not even after a power cut), and never a moment of wider permissions.
	 */
	public static void write(Path file, byte[] content) throws IOException {
		Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
		Files.deleteIfExists(tmp); // left by a crash: it may have other permissions
		try (FileChannel out = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
				attributes(tmp, OWNER_FILE))) {
			ByteBuffer buffer = ByteBuffer.wrap(content);
			while (buffer.hasRemaining()) {
				out.write(buffer);
			}
			out.force(true);
		}
		try {
			Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/** Creates {@code file} 0600 with {@code content}; false (and nothing written) when it exists. */
	public static boolean createNew(Path file, byte[] content) throws IOException {
		try (SeekableByteChannel out = Files.newByteChannel(file,
				EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes(file, OWNER_FILE))) {
			ByteBuffer buffer = ByteBuffer.wrap(content);
			while (buffer.hasRemaining()) {
				out.write(buffer);
			}
			return true;
		} catch (FileAlreadyExistsException e) {
			return false;
		}
	}

	/**
	 * Makes {@code dir} (and missing parents) exist with {@code dir} itself 0700: created so when
	 * missing. An existing directory that group or others may enter is narrowed to 0700 (a
	 * directory holds no secret itself; what matters is that nobody else can reach the files in it).
	 * For the framework storage directory: a launcher calls it before the framework starts.
	 *
	 * @return true when an existing directory had to be narrowed
	 */
	public static boolean directory(Path dir) throws IOException {
		if (!Files.isDirectory(dir)) {
			Path parent = dir.toAbsolutePath().getParent();
			if (parent != null) {
				Files.createDirectories(parent);
			}
			try {
				Files.createDirectory(dir, attributes(dir, OWNER_DIRECTORY));
				return false;
			} catch (FileAlreadyExistsException e) {
				// created meanwhile: checked below
			}
		}
		if (!posix(dir)) {
			return false;
		}
		Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
		if (mode.equals(OWNER_DIRECTORY)) {
			return false;
		}
		Files.setPosixFilePermissions(dir, OWNER_DIRECTORY);
		return true;
	}

	private static FileAttribute<?>[] attributes(Path p, Set<PosixFilePermission> mode) {
		Path dir = p.toAbsolutePath().getParent();
		return dir != null && posix(dir) ? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(mode) }
				: new FileAttribute<?>[0];
	}

	private static boolean posix(Path p) {
		return p.getFileSystem().supportedFileAttributeViews().contains("posix");
	}
}
