package org.mobilegt.gateway.tunnel.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mobilegt.gateway.common.LibC;

import com.sun.jna.Memory;

/**
 * Steers each client's data to an uplink socket by its tunnel address: a classic BPF program on
 * the port's SO_REUSEPORT group answers "socket (source address of the inner packet) mod the
 * number of sockets". The session manager hands out fresh IPv4 leases evenly over as many residue
 * classes ({@code SessionManager#spreadLeases}, told by {@link Housekeeping}), so the clients
 * spread evenly over the uplinks, also after churn, where the kernel's hash of addresses and
 * ports often leaves some sockets with more clients than others, and each socket is read by one
 * thread. A client also stays on its socket when its NAT changes its port. Busy clients that
 * still leave one socket busier than another are moved by name ({@link TrafficBalance}): the
 * program compares the source with each of them before it takes the remainder.
 * <p>
 * Control datagrams (first byte 0: handshakes, keepalives) and anything that is not an IPv4 or
 * IPv6 packet keep the kernel's hash: the program answers an index past the sockets, which the
 * kernel takes as no choice. A packet too short to hold a source address ends the program
 * with 0, the first socket, which drops it as malformed. The kernel runs the program on the UDP
 * payload (offset 0 is the first byte after the UDP header), once per received message: with
 * receive offload, datagrams merged behind the first follow it.
 * <p>
 * The answer is an index into the port's group in the order the sockets joined it: a set bound
 * beside an older one on the same port comes after it and is steered from its first index until
 * the older set has closed ({@link UplinkSockets#steer}), and is kept in the order the group holds
 * it after that ({@link UplinkSockets#afterOlderLeave}).
 */
final class LeaseSteering {

	/** The most sources moved off their socket: two instructions each, well below BPF_MAXINSNS. */
	static final int MAX_MOVED = 64;
	/** The answer for "the kernel's hash": any index not below the number of sockets. */
	private static final int BY_HASH = -1;

	// classic BPF opcodes (linux/filter.h)
	private static final int LD_B_ABS = 0x30;
	private static final int LD_W_ABS = 0x20;
	private static final int JEQ_K = 0x15;
	private static final int JA = 0x05;
	private static final int RSH_K = 0x74;
	private static final int MOD_K = 0x94;
	private static final int ADD_K = 0x04;
	private static final int RET_A = 0x16;
	private static final int RET_K = 0x06;
	/** struct sock_filter: u16 code, u8 jt, u8 jf, u32 k. */
	private static final int INSN_SIZE = 8;
	/** struct sock_fprog: u16 len, then the pointer to the instructions, 8-aligned. */
	private static final int FPROG_SIZE = 16;

	private LeaseSteering() {
	}

	/**
	 * The program for {@code sockets} sockets from index {@code first} of the group, as {code, jt,
	 * jf, k} rows: the sources of {@code moved} (steering key to socket, see {@link TrafficBalance})
	 * go to their socket, any other by its key mod {@code sockets}.
	 */
	static int[][] program(int first, int sockets, Map<Integer, Integer> moved) {
		if (sockets < 1 || first < 0 || moved.size() > MAX_MOVED) {
			throw new IllegalArgumentException("sockets from index " + first + ": " + sockets + ", moved " + moved.size());
		}
		List<int[]> rows = new ArrayList<>(List.of(
				new int[] { LD_B_ABS, 0, 0, 0 }, // A = payload[0]
				new int[] { JEQ_K, 3, 0, 0 }, // 0: a control datagram -> by hash
				new int[] { RSH_K, 0, 0, 4 }, // A = IP version
				new int[] { JEQ_K, 2, 0, 4 }, // 4 -> IPv4 source
				new int[] { JEQ_K, 3, 0, 6 }, // 6 -> IPv6 source, else by hash
				new int[] { RET_K, 0, 0, BY_HASH },
				new int[] { LD_W_ABS, 0, 0, 12 }, // A = IPv4 source address
				new int[] { JA, 0, 0, 1 },
				new int[] { LD_W_ABS, 0, 0, 20 })); // A = the low 32 bits of the IPv6 source address
		moved.forEach((key, socket) -> {
			if (socket < 0 || socket >= sockets) {
				throw new IllegalArgumentException("moved to socket " + socket + " of " + sockets);
			}
			rows.add(new int[] { JEQ_K, 0, 1, key });
			rows.add(new int[] { RET_K, 0, 0, first + socket });
		});
		rows.add(new int[] { MOD_K, 0, 0, sockets });
		rows.add(new int[] { ADD_K, 0, 0, first });
		rows.add(new int[] { RET_A, 0, 0, 0 });
		return rows.toArray(new int[0][]);
	}

	/**
	 * Attaches the program for {@code sockets} sockets from index {@code first} and the sources
	 * {@code moved} (steering key to socket) to the reuseport
	 * group of {@code socket} (bound, with SO_REUSEPORT): it applies to every socket on the port,
	 * replacing an earlier one.
	 *
	 * @return null when attached, else why not (the kernel's error)
	 */
	static String attach(UdpSocket socket, int first, int sockets, Map<Integer, Integer> moved) {
		int[][] program = program(first, sockets, moved);
		try (Memory insns = new Memory((long) program.length * INSN_SIZE); Memory fprog = new Memory(FPROG_SIZE)) {
			for (int i = 0; i < program.length; i++) {
				long at = (long) i * INSN_SIZE;
				insns.setShort(at, (short) program[i][0]);
				insns.setByte(at + 2, (byte) program[i][1]);
				insns.setByte(at + 3, (byte) program[i][2]);
				insns.setInt(at + 4, program[i][3]);
			}
			fprog.clear();
			fprog.setShort(0, (short) program.length);
			fprog.setPointer(8, insns);
			if (Sockets.setsockopt(socket.fd(), Sockets.SOL_SOCKET, Sockets.SO_ATTACH_REUSEPORT_CBPF, fprog, FPROG_SIZE) < 0) {
				return LibC.describe(LibC.errno());
			}
			return null;
		}
	}

	/**
	 * Removes the program from {@code socket}'s group, if it has one (Linux 5.3 and newer; before,
	 * it stays): one socket needs none, and a revision that steers nothing must not inherit one
	 * that counts an earlier number of sockets.
	 */
	static void detach(UdpSocket socket) {
		Sockets.setsockopt(socket.fd(), Sockets.SOL_SOCKET, Sockets.SO_DETACH_REUSEPORT_BPF, 0);
	}
}
