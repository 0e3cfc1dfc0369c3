package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.service.log.Logger;

/**
 * The tunnel's UDP sockets: {@code uplinks} of them on one port (SO_REUSEPORT), each read by its
 * own uplink pump. A client's data goes to the socket its tunnel address picks ({@link LeaseSteering})
 * or the one {@link TrafficBalance} moved it to, control datagrams to the one the kernel's hash of
 * addresses and ports picks; so a client's packets stay on one socket, and in order, while the set
 * and the moves are unchanged. The first also sends for
 * all: they share the port, so a client sees one server.
 * <p>
 * Every socket has SO_REUSEPORT, also a single one: a new set (another count, a hand-over with
 * more) then joins the port before the old set closes, as a rebind does with a new port. Only
 * sockets of the same user can join; a port that anybody holds when the tunnel first binds it is
 * refused ({@link #bind}), so a second gateway never silently shares a running one's clients.
 */
final class UplinkSockets {

	/** The most uplink sockets; also the number of uplink counters ({@link TunnelMetrics}). */
	static final int MAX = 16;
	/** The buffer of the probe that checks a port is free: it holds it for a moment only. */
	private static final int PROBE_BUFFER = 65536;

	private final List<UdpSocket> sockets;
	/** Null when data is steered by lease (or there is one socket), else why the kernel's hash steers it. */
	private volatile String byHash;
	/** The group index of the first socket, as last steered. */
	private int firstIndex;
	/** Sources steered off their socket by traffic ({@link TrafficBalance}): steering key to socket. */
	private Map<Integer, Integer> moved = Map.of();

	private UplinkSockets(List<UdpSocket> sockets) {
		this.sockets = List.copyOf(sockets);
	}

	static UplinkSockets of(List<UdpSocket> sockets) {
		if (sockets.isEmpty() || sockets.size() > MAX) {
			throw new IllegalArgumentException("1 to " + MAX + " sockets, not " + sockets.size());
		}
		return new UplinkSockets(sockets);
	}

	/**
	 * Binds the sockets of {@code s}. A port that {@code current} (the tunnel's sockets now, or
	 * null) does not hold must be free: probed without SO_REUSEPORT, which fails if any socket
	 * holds it, with or without.
	 */
	static UplinkSockets bind(TunnelSettings s, UplinkSockets current) throws IOException {
		boolean ours = current != null && current.first().port() == s.port();
		if (s.port() != 0 && !ours) {
			UdpSocket.bind(s.bind(), s.port(), PROBE_BUFFER).release();
		}
		if (ours && !current.first().reusePort()) {
			throw new UdpSocket.BindException("UDP " + current.first().where() + " was taken over from an earlier revision, which bound"
					+ " it without SO_REUSEPORT: nothing can bind beside it; this change applies after a restart");
		}
		List<UdpSocket> bound = new ArrayList<>();
		try {
			bound.add(UdpSocket.bind(s.bind(), s.port(), s.socketBufferBytes(), true));
			bindBeside(bound, s);
		} catch (IOException e) {
			bound.forEach(UdpSocket::release);
			throw e;
		}
		UplinkSockets next = new UplinkSockets(ours ? afterOlderLeave(current.size(), bound) : bound);
		next.steer(ours ? current.size() : 0); // beside the current set: behind it until it closes
		return next;
	}

	/**
	 * {@code joined}, the sockets that joined a group behind {@code older} ones, in the order the
	 * group holds them once the older ones have left, first to last ({@link #release}): the kernel
	 * fills the slot of a socket that leaves with the group's last (reuseport_detach_sock). Kept
	 * in that order, the program's index of a socket is its index here, as the balance needs.
	 */
	static <T> List<T> afterOlderLeave(int older, List<T> joined) {
		List<Integer> group = new ArrayList<>(); // slots: the older sockets 0 to older - 1, then older + i for joined i
		for (int i = 0; i < older + joined.size(); i++) {
			group.add(i);
		}
		for (int i = 0; i < older; i++) {
			int slot = group.indexOf(i);
			int last = group.remove(group.size() - 1);
			if (slot < group.size()) {
				group.set(slot, last);
			}
		}
		return group.stream().map(g -> joined.get(g - older)).toList();
	}

	/**
	 * These sockets (handed over, now this tunnel's) made as many as {@code s} says: the extra
	 * ones released, missing ones bound beside them. A set that cannot grow (the previous revision
	 * did not set SO_REUSEPORT, or the port is gone) serves on with what it has, and says so.
	 */
	UplinkSockets resized(TunnelSettings s, Logger log) {
		List<UdpSocket> kept = new ArrayList<>(sockets.subList(0, Math.min(sockets.size(), s.uplinks())));
		sockets.subList(kept.size(), sockets.size()).forEach(UdpSocket::release);
		try {
			bindBeside(kept, s);
		} catch (IOException e) {
			log.warn("Tunnel serves with {} of {} uplink sockets until its next bind: {}", kept.size(), s.uplinks(), e.getMessage());
		}
		UplinkSockets next = new UplinkSockets(kept);
		next.steer(0); // the port's only set now
		return next;
	}

	/**
	 * Steers data over these sockets by lease ({@link LeaseSteering}), at the group's indices from
	 * {@code first}: a set bound beside an older one on the same port joined after it, and is
	 * steered again from 0 once the older one has closed. One socket alone on its port needs no
	 * program (one an earlier set left is removed).
	 */
	synchronized void steer(int first) {
		firstIndex = first;
		if (sockets.size() == 1 && first == 0) {
			LeaseSteering.detach(first());
		} else {
			byHash = LeaseSteering.attach(first(), first, sockets.size(), moved);
		}
	}

	/** The sources now steered by traffic: steering key ({@link TrafficBalance#keys}) to socket. */
	synchronized Map<Integer, Integer> moved() {
		return moved;
	}

	/**
	 * Steers the sources of {@code next} (steering key to socket) to their sockets and any other
	 * by lease again, by replacing the group's program; kept as it was if the kernel refuses.
	 *
	 * @return null when applied, else why not
	 */
	synchronized String move(Map<Integer, Integer> next) {
		if (sockets.size() == 1 || byHash != null || firstIndex != 0) {
			return "not steered by lease alone on the port";
		}
		String refused = LeaseSteering.attach(first(), firstIndex, sockets.size(), next);
		if (refused == null) {
			moved = Map.copyOf(next);
		}
		return refused;
	}

	/**
	 * Over how many uplinks fresh leases should spread ({@code SessionManager#spreadLeases}): the
	 * sockets of {@code sockets} when steered by lease, else 1 (one socket, none, or the hash).
	 */
	static int leaseWays(UplinkSockets sockets) {
		return sockets == null || sockets.byHash != null ? 1 : sockets.size();
	}

	/** Adds sockets bound where the first of {@code sockets} is until there are as many as {@code s} says. */
	private static void bindBeside(List<UdpSocket> sockets, TunnelSettings s) throws IOException {
		UdpSocket first = sockets.get(0);
		while (sockets.size() < s.uplinks()) {
			sockets.add(UdpSocket.bind(first.bindAddress(), first.port(), s.socketBufferBytes(), true));
		}
	}

	/** The socket that sends, and the first uplink's. */
	UdpSocket first() {
		return sockets.get(0);
	}

	List<UdpSocket> all() {
		return sockets;
	}

	int size() {
		return sockets.size();
	}

	int[] fds() {
		return sockets.stream().mapToInt(UdpSocket::fd).toArray();
	}

	void buffers(int bytes) {
		sockets.forEach(u -> u.buffers(bytes));
	}

	void release() {
		sockets.forEach(UdpSocket::release);
	}

	/** Leaves every descriptor open for the next revision ({@link UdpSocket#handOff}). */
	void handOff() {
		sockets.forEach(UdpSocket::handOff);
	}

	/**
	 * Leaves the first descriptor open for a next revision that takes only that one (one from
	 * before several uplinks), and closes the others: left open, they would stay on the port with
	 * their share of the clients and nobody reading them.
	 */
	void handOffFirst() {
		first().handOff();
		sockets.subList(1, sockets.size()).forEach(UdpSocket::release);
	}

	/** For the log: where, how many, and how each receives. */
	String describe() {
		UdpSocket u = first();
		String steering = sockets.size() == 1 ? "" : byHash == null ? ", data steered by lease" : ", steered by hash (" + byHash + ")";
		return u.where() + " (" + sockets.size() + (sockets.size() == 1 ? " uplink socket" : " uplink sockets") + steering + ", receive buffer "
				+ u.receiveBuffer() + " bytes, receive offload " + (u.receiveOffload() ? "on" : "off") + ", native calls through "
				+ (Sockets.FOREIGN ? "java.lang.foreign" : "JNA") + ")";
	}
}
