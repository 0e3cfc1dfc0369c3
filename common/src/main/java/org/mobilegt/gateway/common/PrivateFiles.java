package org.mobilegt.gateway.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
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

	private static final Set<PosixFilePermission> GROUP = EnumSet.of(PosixFilePermission.GROUP_READ,
			PosixFilePermission.GROUP_WRITE);
	private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.OTHERS_READ,
			PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

	private PrivateFiles() {
	}

	/**
	 * Writes {@code content} to {@code file} atomically: a temporary file in the same directory,
	 * created 0600 and synced to disk, then renamed over {@code file}. Readers see the old or the
	 * new content, never a part (not even after a power cut), and never a moment of wider permissions.
	 */
	public static void write(Path file, byte[] content) throws IOException {
		write(file, content, null);
	}

	/**
	 * As {@link #write}, for a file a group of its own may share: when the file it replaces was
	 * open to its group but not to others (root:mobilegt 0660 in /etc/mobilegt, say), the new one
	 * gets that group and those group permissions, set before the rename; anything else is
	 * replaced owner-only. The owner becomes the writer: the rename needs only a writable
	 * directory, not the old file's owner.
	 */
	public static void replaceShared(Path file, byte[] content) throws IOException {
		PosixFileAttributes old = null;
		if (posix(file) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
			PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
			if (Collections.disjoint(a.permissions(), OTHERS) && !Collections.disjoint(a.permissions(), GROUP)) {
				old = a;
			}
		}
		write(file, content, old);
	}

	private static void write(Path file, byte[] content, PosixFileAttributes shared) throws IOException {
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
		if (shared != null) {
			share(tmp, shared);
		}
		try {
			Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/** Gives {@code tmp} the group and group permissions of {@code old}; stays owner-only if not a member. */
	private static void share(Path tmp, PosixFileAttributes old) throws IOException {
		try {
			Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setGroup(old.group());
		} catch (IOException e) {
			return;
		}
		Set<PosixFilePermission> mode = EnumSet.copyOf(OWNER_FILE);
		old.permissions().stream().filter(GROUP::contains).forEach(mode::add);
		Files.setPosixFilePermissions(tmp, mode);
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
