package org.mobilegt.gateway.e2e;

import java.nio.file.Path;

/**
 * The TUN clone device as Debian's udev leaves it, mode 0666 (50-udev-default.rules). A host
 * without udev may keep it at 0600 root, where no unprivileged service opens it, CAP_NET_ADMIN or
 * not. A test that runs the gateway as the service's user therefore binds a node of its own (the
 * same device, 10:200, mode 0666) over the clone device in its private mount namespace: the
 * host's node stays as it is.
 */
final class TunNode {

	private TunNode() {
	}

	/**
	 * Shell commands, for a private mount namespace as root: a tmpfs on the existing directory
	 * {@code dir}, a 0666 TUN node in it, bound over {@code device}.
	 */
	static String bindOver(Path dir, String device) {
		return "mount -t tmpfs -o mode=0755 none " + dir + " && mknod " + dir + "/tun c 10 200 && chmod 0666 " + dir + "/tun && mount --bind "
				+ dir + "/tun " + device;
	}
}
