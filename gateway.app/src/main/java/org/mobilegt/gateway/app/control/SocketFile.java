package org.mobilegt.gateway.app.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Binds the control socket so that no other account can ever reach it: bound inside a fresh
 * 0700 directory next to its final path (so that directory must be writable), given its mode
 * (0600, or 0660 with group {@value #GROUP} when that group exists and the account may use it)
 * and group there, then renamed into place. A socket left
 * by a crashed gateway is replaced; one a running gateway still answers on is not.
 */
final class SocketFile {

	static final String GROUP = "mobilegt";

	private SocketFile() {
	}

	static ServerSocketChannel bind(Path path) throws IOException {
		Path parent = path.toAbsolutePath().getParent();
		Files.createDirectories(parent);
		clearStale(path);
		Path dir = Files.createTempDirectory(parent, ".control-",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		Path tmp = dir.resolve("s");
		ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			server.bind(UnixDomainSocketAddress.of(tmp));
			GroupPrincipal group = group(path);
			if (group != null) {
				try {
					Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setGroup(group);
				} catch (IOException e) {
					group = null; // the account is not in the group: owner only
				}
			}
			Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(group == null ? "rw-------" : "rw-rw----"));
			Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
			return server;
		} catch (IOException | RuntimeException e) {
			server.close();
			throw e;
		} finally {
			Files.deleteIfExists(tmp);
			Files.deleteIfExists(dir);
		}
	}

	/** Group {@value #GROUP}, or null when the system has none. */
	static GroupPrincipal group(Path path) throws IOException {
		try {
			return path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(GROUP);
		} catch (UserPrincipalNotFoundException e) {
			return null;
		}
	}

	private static void clearStale(Path path) throws IOException {
		if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
			return;
		}
		if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
				|| Files.isSymbolicLink(path)) {
			throw new FileAlreadyExistsException(path.toString(), null, "exists and is not a socket; not replacing it");
		}
		try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
			throw new FileAlreadyExistsException(path.toString(), null, "another gateway answers on it");
		} catch (FileAlreadyExistsException e) {
			throw e;
		} catch (IOException e) {
			Files.delete(path); // nobody listens: left behind by a gateway that was killed
		}
	}
}
