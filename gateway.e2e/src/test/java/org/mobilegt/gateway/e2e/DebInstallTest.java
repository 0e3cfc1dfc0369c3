package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpkg -i} and {@code dpkg --purge} of the built package for real, but on a throw-away
 * copy of this host: a chroot into an overlay of {@code /} (the changes land in a temporary
 * directory), with its own /run and /tmp (as the unit's PrivateTmp gives it), the package in
 * /mnt, in a private mount namespace and a fresh network
 * namespace (the sysctl that postinst applies stays there). In between, the unit's ExecStart
 * runs verbatim as the created user with CAP_NET_ADMIN only, with / read-only but the unit's
 * ReadWritePaths (its ProtectSystem=strict): a member of group mobilegt may use the control
 * socket and another account may not, a {@code mobilegt vpn:set} is written back to its file in
 * /etc/mobilegt and still holds after a restart, and an upgrade that changes that conffile keeps
 * it (the package's version beside it, as dpkg offers it) and gives it back to root. Dependencies are forced (they are
 * checked in DebPackageTest: this box's Java need not be a Debian package); no systemd runs here,
 * so the maintainer scripts skip systemctl as on a chroot or container.
 */
@RequiresRoot
class DebInstallTest {

	@TempDir
	Path tmp;

	@Test
	void installCreatesAccountDirectoriesAndModesAndPurgeRemovesThem() throws IOException {
		String hostForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
		assertThat(Path.of("/etc/mobilegt")).as("precondition: not installed on this host").doesNotExist();
		Path deb = tmp.resolve("mobilegt.deb");
		Files.copy(ServiceUnit.debFile(), deb);
		for (String d : List.of("upper", "work", "root", "tun")) {
			Files.createDirectories(tmp.resolve(d));
		}
		Path root = tmp.resolve("root");
		ServiceUnit unit = ServiceUnit.read();
		String asService = "cd /var/lib/mobilegt && (umask " + unit.one("UMask") + "; exec env " + String.join(" ", unit.get("Environment"))
				+ " setpriv --reuid=mobilegt --regid=mobilegt --init-groups --inh-caps=-all,+net_admin"
				+ " --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin --no-new-privs -- "
				+ String.join(" ", ServiceUnit.words(unit.one("ExecStart")));
		String inside = String.join("; ", List.of("dpkg -i --force-depends /mnt/mobilegt.deb >/dev/null; echo dpkg-install=$?",
				"getent passwd mobilegt | cut -d: -f1,6,7",
				"stat -c 'mode %a %U:%G %n' /etc/mobilegt /etc/mobilegt/*.cfg /var/lib/mobilegt /var/log/mobilegt /run/mobilegt",
				"echo ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)",
				"sed -i 's/^#key=$/key=s3cret/' /etc/mobilegt/mobilegt.auth.cfg",
				// an operator in group mobilegt and another account, in the chroot's own /etc
				"useradd -M -U -G mobilegt mgtop && useradd -M -U mgtother && echo accounts=ok",
				// ProtectSystem=strict: all read-only but the unit's ReadWritePaths (and /run, /tmp, /dev, /proc)
				"for d in " + String.join(" ", ServiceUnit.words(unit.one("ReadWritePaths"))) + "; do mount --bind $d $d; done",
				"mount -o remount,bind,ro / && echo protected=$(touch /usr/mgt-probe 2>/dev/null && echo no || echo yes)",
				// the service as systemd would start it: the unit's lines verbatim, as user mobilegt
				"serve() { " + asService + " >/mnt/$1 2>&1) & gw=$!; cd /; i=0; while [ $i -lt 600 ] && ! grep -qs 'Tunnel serving' /mnt/$1;"
						+ " do sleep 0.2; i=$((i+1)); done; echo $1 serving=$(grep -c 'Tunnel serving' /mnt/$1) as $(stat -c %U /proc/$gw); }",
				"serve gateway.out",
				// the README's service path: `sudo mobilegt vpn:status` (root, the package's socket found by itself)
				"mobilegt vpn:status >/mnt/status.out; echo root-status=$?; sed 's/^/| /' /mnt/status.out",
				"stat -c 'socket %a %U:%G %n' /run/mobilegt/control.sock",
				"echo member=$(setpriv --reuid=mgtop --regid=mgtop --init-groups mobilegt --socket /run/mobilegt/control.sock vpn:status"
						+ " | grep -c 'serving *yes')",
				"setpriv --reuid=mgtother --regid=mgtother --init-groups mobilegt --socket /run/mobilegt/control.sock vpn:status"
						+ " >/mnt/other.out 2>&1; echo other=$?",
				"mobilegt vpn:set mobilegt.sessions maxClients 50 >/dev/null; echo set=$?",
				"i=0; while [ $i -lt 100 ] && ! grep -q '^maxClients=50$' /etc/mobilegt/mobilegt.sessions.cfg; do sleep 0.2; i=$((i+1)); done",
				"stat -c 'written %a %U:%G %n' /etc/mobilegt/mobilegt.sessions.cfg",
				"echo written=$(grep -c '^maxClients=50$' /etc/mobilegt/mobilegt.sessions.cfg) left=$(ls -A /etc/mobilegt | grep -c '^[.]')",
				"kill $gw; wait $gw; echo exit=$?",
				"serve restarted.out",
				"echo \"after restart: $(mobilegt vpn:config mobilegt.sessions | grep maxClients | xargs)\"",
				"kill $gw; wait $gw; echo exit=$?",
				"mount -o remount,bind,rw /; for d in " + String.join(" ", ServiceUnit.words(unit.one("ReadWritePaths")))
						+ "; do umount $d; done",
				// an upgrade whose package changed that conffile: dpkg keeps the written-back one and offers its own
				"dpkg-deb -R /mnt/mobilegt.deb /tmp/next && sed -i 's/^Version: .*/&+next/' /tmp/next/DEBIAN/control"
						+ " && echo '# next' >> /tmp/next/etc/mobilegt/mobilegt.sessions.cfg"
						+ " && dpkg-deb --root-owner-group -b /tmp/next /tmp/next.deb >/dev/null"
						+ " && dpkg -i --force-depends --force-confold /tmp/next.deb >/dev/null </dev/null; echo upgrade=$?",
				"echo kept=$(grep -c '^maxClients=50$' /etc/mobilegt/mobilegt.sessions.cfg)"
						+ " offered=$(grep -c '^# next$' /etc/mobilegt/mobilegt.sessions.cfg.dpkg-dist)",
				"stat -c 'upgraded %a %U:%G %n' /etc/mobilegt/mobilegt.sessions.cfg",
				"dpkg --purge mobilegt >/dev/null; echo dpkg-purge=$?",
				"for d in /etc/mobilegt /var/lib/mobilegt /var/log/mobilegt /usr/share/mobilegt; do [ -e $d ] && echo left $d; done; true"));
		String script = "set -e; mount -t overlay overlay -o lowerdir=/,upperdir=" + tmp.resolve("upper") + ",workdir="
				+ tmp.resolve("work") + " " + root + "; mount -t proc proc " + root + "/proc; mount --rbind /dev " + root
				+ "/dev; " + TunNode.bindOver(tmp.resolve("tun"), root + "/dev/net/tun") + "; mount -t tmpfs none " + root + "/run; mount -t tmpfs -o mode=1777 none " + root + "/tmp; mount --bind "
				+ tmp + " " + root + "/mnt; chroot " + root
				+ " sh -c \"$0\"";
		String ns = "mgt-" + ProcessHandle.current().pid() + "-dpkg";
		Netns.create(ns);
		Exec.Result r;
		try {
			r = Netns.exec(ns, Duration.ofSeconds(300), "unshare", "--mount", "--propagation", "private", "sh", "-c", script,
					inside);
		} finally {
			Netns.delete(ns);
		}
		E2e.log("dpkg in an overlay chroot:\n" + r.out() + r.err());
		List<String> out = r.check().out().lines().toList();
		assertThat(out).contains("dpkg-install=0", "mobilegt:/var/lib/mobilegt:/usr/sbin/nologin",
				"mode 770 root:mobilegt /etc/mobilegt", "mode 750 mobilegt:mobilegt /var/lib/mobilegt",
				"mode 750 mobilegt:mobilegt /var/log/mobilegt", "mode 750 mobilegt:mobilegt /run/mobilegt",
				"mode 660 root:mobilegt /etc/mobilegt/mobilegt.auth.cfg",
				"mode 660 root:mobilegt /etc/mobilegt/org.ops4j.pax.logging.cfg", "ip_forward=1", "accounts=ok", "protected=yes",
				"gateway.out serving=1 as mobilegt", "restarted.out serving=1 as mobilegt", "dpkg-purge=0");
		assertThat(out).filteredOn(l -> l.startsWith("mode ") && l.endsWith(".cfg")).hasSize(DebPackageTest.CFG.size())
				.allMatch(l -> l.startsWith("mode 660 root:mobilegt "));
		assertThat(out).contains("root-status=0", "| serving   yes");
		// the control socket: group mobilegt may use it, nobody else
		assertThat(out).contains("socket 660 mobilegt:mobilegt /run/mobilegt/control.sock", "member=1", "other=2");
		// vpn:set through the socket, written back under ProtectSystem=strict, kept across a restart
		assertThat(out).contains("set=0", "written 660 mobilegt:mobilegt /etc/mobilegt/mobilegt.sessions.cfg", "written=1 left=0",
				"after restart: maxClients * 50");
		assertThat(out).contains("upgrade=0", "kept=1 offered=1", "upgraded 660 root:mobilegt /etc/mobilegt/mobilegt.sessions.cfg");
		assertThat(out).filteredOn(l -> l.startsWith("exit=")).containsExactly("exit=143", "exit=143");
		assertThat(out).noneMatch(l -> l.startsWith("left "));

		assertThat(Path.of("/etc/mobilegt")).as("the host is untouched").doesNotExist();
		assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip()).isEqualTo(hostForward);
	}
}
