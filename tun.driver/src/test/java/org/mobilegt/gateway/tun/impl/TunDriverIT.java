package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mobilegt.gateway.common.testing.RecordingEvents;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * The driver against the real kernel: a TUN device, its route, ip_forward and nft masquerading,
 * inside the fresh network namespace that cnf/netns-java starts this JVM in (see the failsafe
 * configuration). Needs root; anywhere else it skips, loudly.
 * <p>
 * The namespace owns 10.99.1.1 (on lo): an echo request written to the TUN for it is answered by
 * the kernel, and the reply is routed back into the TUN through the client subnet's route.
 */
class TunDriverIT {

	private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
	private static final Path IPV6_FORWARDING = Path.of("/proc/sys/net/ipv6/conf/all/forwarding");
	/** A veth end that learns its route from router advertisements (accept_ra=1), as a SLAAC uplink does. */
	private static final String UPLINK = "mgtup0";
	private static final String LOCAL = "10.99.1.1";
	private static final Pattern FLAGS = Pattern.compile("<([^>]*)>");
	private static final Pattern MTU = Pattern.compile(" mtu (\\d+) ");

	private final List<TunDriver> drivers = new ArrayList<>();
	private final List<String> devices = new ArrayList<>();
	private final Fakes.Registry registry = new Fakes.Registry();
	private final RecordingLogger log = new RecordingLogger();
	private final RecordingEvents events = new RecordingEvents();

	private static final boolean FRESH_NAMESPACE = "fresh".equals(System.getenv("MGT_NETNS"));
	private static final String SKIP_REASON = "TunDriverIT SKIPPED: it needs a fresh network namespace (root; the JVM started by "
			+ "cnf/netns-java): " + Objects.requireNonNullElse(System.getenv("MGT_NETNS_SKIP"), "this JVM was not started by it");

	@BeforeAll
	static void prepareTheNamespace() throws IOException {
		if (!FRESH_NAMESPACE) {
			System.err.println("*** " + SKIP_REASON + " ***");
			return;
		}
		// Never touch a namespace we did not make: a fresh one has lo and what this test adds.
		assertThat(sh("ip", "-o", "link", "show").lines().map(l -> l.split(": ")[1].split("@")[0]))
				.as("interfaces in the test namespace").allMatch(n -> n.equals("lo") || n.startsWith("mgt"));
		sh("ip", "addr", "add", LOCAL + "/32", "dev", "lo");
		Files.writeString(IP_FORWARD, "0"); // the namespace's own, so that the test sees it turned on and back
		Files.writeString(IPV6_FORWARDING, "0");
		sh("ip", "link", "add", UPLINK, "type", "veth", "peer", "name", "mgtup1");
		Files.writeString(acceptRa(UPLINK), "1");
		Files.writeString(acceptRa("mgtup1"), "0"); // the other end takes no RAs: left alone
	}

	@BeforeEach
	void onlyInTheFreshNamespace() {
		assumeTrue(FRESH_NAMESPACE, SKIP_REASON); // per test, so that each one counts as skipped
	}

	@AfterEach
	void tearDown() {
		for (TunDriver d : drivers) {
			d.deactivate(Fakes.BUNDLE_STOPPED);
		}
		for (String name : devices) {
			run("ip", "link", "del", "dev", name);
		}
	}

	private TunDriver activate(Map<String, Object> values) {
		devices.add((String) values.get("name"));
		TunDriver driver = new TunDriver(registry.context, Fakes.config(values), Fakes.properties(values), log.logger);
		driver.events = events.admin;
		drivers.add(driver);
		return driver;
	}

	/** IPv4 only unless {@code more} sets subnet6. */
	private static Map<String, Object> config(String name, String subnet, Object... more) {
		Map<String, Object> m = new HashMap<>(Map.of("name", name, "subnet", subnet, "mtu", 1400, "offload", false, "subnet6", ""));
		for (int i = 0; i < more.length; i += 2) {
			m.put((String) more[i], more[i + 1]);
		}
		return m;
	}

	@Test
	void deviceIsUpRoutedAndNattedAndDeactivationRemovesAllOfItButTheDevice() throws IOException {
		TunDriver driver = activate(config("mgtit0", "10.99.0.0/24"));

		assertThat(driver.error()).isNull();
		assertThat(driver.up()).isTrue();
		String link = sh("ip", "-o", "link", "show", "dev", "mgtit0");
		assertThat(flags(link)).contains("UP", "LOWER_UP");
		assertThat(mtu(link)).isEqualTo(1400);
		assertThat(sh("ip", "-4", "route", "show", "10.99.0.0/24")).contains("10.99.0.0/24 dev mgtit0");
		String ruleset = sh("nft", "list", "ruleset");
		assertThat(ruleset).contains("table inet mobilegt_mgtit0 {",
				"type nat hook postrouting priority srcnat; policy accept;",
				// no default route in a fresh namespace: out of any interface but the TUN
				"ip saddr 10.99.0.0/24 oifname != \"mgtit0\" masquerade");
		assertThat(Files.readString(IP_FORWARD).trim()).isEqualTo("1");
		assertThat(log.at("WARN")).isEmpty();
		assertThat(driver.installed()).containsExactly("link mgtit0 up", "route 10.99.0.0/24 dev mgtit0",
				"net.ipv4.ip_forward=1 (was 0)",
				"nft table inet mobilegt_mgtit0: masquerade 10.99.0.0/24 out of any interface but mgtit0; isolation on, "
						+ "client-to-client off");
		TunDevice device = registry.device();
		assertThat(device.name()).isEqualTo("mgtit0");
		assertThat(device.queues()).isEqualTo(1);

		driver.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(driver);

		assertThat(sh("ip", "-4", "route", "show", "10.99.0.0/24")).isEmpty();
		assertThat(sh("nft", "list", "ruleset")).doesNotContain("mobilegt_mgtit0");
		assertThat(Files.readString(IP_FORWARD).trim()).isEqualTo("0");
		assertThat(registry.device()).isNull();
		String after = sh("ip", "-o", "link", "show", "dev", "mgtit0"); // persist=true: still there
		assertThat(flags(after)).doesNotContain("UP");
		assertThat(Path.of("/sys/class/net/mgtit0/tun_flags")).exists();

		// ... and a new driver attaches to the persistent device
		TunDriver again = activate(config("mgtit0", "10.99.0.0/24"));
		assertThat(again.up()).isTrue();
		assertThat(flags(sh("ip", "-o", "link", "show", "dev", "mgtit0"))).contains("UP");
	}

	@Test
	void aBundleUpdateHandsOverLinkRouteAndNatAndTheNextDriverTakesThemOverWithoutDuplicates() throws Exception {
		TunDriver driver = activate(config("mgtit3", "10.99.3.0/24"));
		int index = index("mgtit3");
		Fakes.Registration registration = registry.registrations.stream().filter(r -> r.type == TunDevice.class).findFirst().orElseThrow();
		TunDevice old = registry.device();
		registry.updating();
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(driver);

		assertThat(registry.device()).isNull();
		assertThat(registration.props()).as("said before it went").containsEntry(TunDevice.HANDOVER, true);
		// its queue stays open: the device keeps its carrier, and a packet for a client meanwhile
		// waits in the queue for the next driver instead of being dropped
		assertThat(flags(sh("ip", "-o", "link", "show", "dev", "mgtit3"))).as("link while handed over").contains("UP", "LOWER_UP");
		assertThat(sh("ip", "-4", "route", "show", "10.99.3.0/24")).contains("10.99.3.0/24 dev mgtit3");
		assertThat(sh("nft", "list", "ruleset")).containsOnlyOnce("table inet mobilegt_mgtit3 {");
		try (DatagramSocket s = new DatagramSocket()) {
			byte[] m = "while handed over".getBytes(StandardCharsets.US_ASCII);
			s.send(new DatagramPacket(m, m.length, InetAddress.getByName("10.99.3.2"), 9));
		}

		TunDriver next = activate(config("mgtit3", "10.99.3.0/24"));
		assertThat(next.up()).isTrue();
		assertThat(index("mgtit3")).as("the same device").isEqualTo(index);
		assertThat(log.at("INFO")).contains("TUN mgtit3: 1 queue(s) taken over from the previous activation");
		assertThat(readUdpTo(registry.device(), "10.99.3.2")).as("the datagram sent while handed over").isTrue();
		assertThat(sh("ip", "-4", "route", "show", "10.99.3.0/24").strip().lines()).hasSize(1);
		assertThat(sh("nft", "list", "ruleset")).containsOnlyOnce("table inet mobilegt_mgtit3 {").containsOnlyOnce("masquerade");

		// a consumer that kept the old device through the update may go on using it for a while ...
		assertThat(deliversTo(old)).as("old device still usable after the update").isTrue();
		// ... then it refuses calls, and the queues stay the successor's
		Thread.sleep(TunDevice.HANDOVER_MILLIS + 500);
		assertThatThrownBy(() -> old.write(ByteBuffer.allocateDirect(64))).isInstanceOf(IOException.class).hasMessageContaining("closed");
		assertThat(old.read(0, ByteBuffer.allocateDirect(2048), 10)).isEqualTo(-1);
		assertThat(deliversTo(registry.device())).as("the successor's queue still open").isTrue();

		registry.stoppedByOperator();
		next.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(next);
		assertThat(sh("ip", "-4", "route", "show", "10.99.3.0/24")).isEmpty();
		assertThat(sh("nft", "list", "ruleset")).doesNotContain("mobilegt_mgtit3");
		assertThat(Files.readString(IP_FORWARD).trim()).isEqualTo("0");
	}

	/** Whether a datagram the host sends to a client comes out of {@code device}. */
	private static boolean deliversTo(TunDevice device) throws IOException {
		try (DatagramSocket s = new DatagramSocket()) {
			byte[] m = "to a client".getBytes(StandardCharsets.US_ASCII);
			s.send(new DatagramPacket(m, m.length, InetAddress.getByName("10.99.3.2"), 9));
		}
		return readUdpTo(device, "10.99.3.2");
	}

	/** Whether a UDP datagram for {@code dst} comes out of queue 0 within 3 s. */
	private static boolean readUdpTo(TunDevice device, String dst) throws IOException {
		byte[] address = Icmp.address(dst);
		ByteBuffer in = ByteBuffer.allocateDirect(2048);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
		while (System.nanoTime() < deadline) {
			if (device.read(0, in.clear(), 50) >= Icmp.IP_HEADER && in.get(0) >> 4 == 4 && in.get(9) == 17) {
				byte[] to = new byte[4];
				in.get(16, to);
				if (Arrays.equals(to, address)) {
					return true;
				}
			}
		}
		return false;
	}

	private static int index(String device) {
		String line = sh("ip", "-o", "link", "show", "dev", device);
		return Integer.parseInt(line.substring(0, line.indexOf(':')));
	}

	@Test
	void withPersistFalseTheDeviceGoesWithTheDriver() throws IOException {
		// '-' and '.' in the name: the nft table is named after it as it is
		TunDriver driver = activate(config("mgt-it.1", "10.99.2.0/24", "persist", false, "egress", "lo"));
		assertThat(driver.up()).isTrue();
		assertThat(sh("nft", "list", "ruleset")).contains("table inet mobilegt_mgt-it.1 {",
				"ip saddr 10.99.2.0/24 oifname \"lo\" masquerade");

		driver.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(driver);

		assertThat(run("ip", "link", "show", "dev", "mgt-it.1").exit()).isNotZero();
		assertThat(Path.of("/sys/class/net/mgt-it.1")).doesNotExist();
		assertThat(sh("nft", "list", "ruleset")).doesNotContain("mobilegt_mgt-it.1");
		assertThat(sh("ip", "-4", "route", "show", "10.99.2.0/24")).isEmpty();
	}

	/** With offloads every packet has a virtio_net_hdr in front: all zero says "a plain packet". */
	@ParameterizedTest(name = "offload={0}")
	@ValueSource(booleans = { false, true })
	void theKernelAnswersAnEchoRequestWrittenToTheDevice(boolean offload) throws IOException {
		// the echo goes to an address of the gateway itself, which isolation would keep clients from
		activate(config("mgtit2", "10.99.0.0/24", "offload", offload, "isolation", false));
		TunDevice device = registry.device();
		int header = device.offloadHeader();
		assertThat(header).isEqualTo(offload ? TunDevice.VIRTIO_NET_HDR : 0);
		assertThat(sh("ip", "-d", "-o", "link", "show", "dev", "mgtit2")).contains("vnet_hdr " + (offload ? "on" : "off"));

		// written from position 3 and read to position 5: the driver honours buffer positions
		ByteBuffer out = ByteBuffer.allocateDirect(2048);
		out.position(3 + header);
		Icmp.echoRequest(out, Icmp.address("10.99.0.2"), Icmp.address(LOCAL), 0x6d67, 7, 56);
		out.position(3);
		int length = out.remaining();
		assertThat(device.write(out)).isEqualTo(length);
		assertThat(out.position()).isEqualTo(3 + length);

		ByteBuffer in = ByteBuffer.allocateDirect(2048);
		Icmp.Packet reply = readEchoReply(device, 0, in, 5, 0x6d67);
		assertThat(reply.src()).isEqualTo(LOCAL);
		assertThat(reply.dst()).isEqualTo("10.99.0.2");
		assertThat(reply.type()).isEqualTo(Icmp.ECHO_REPLY);
		assertThat(reply.code()).isZero();
		assertThat(reply.seq()).isEqualTo(7);
		assertThat(reply.payloadLength()).isEqualTo(56);
		assertThat(reply.payloadIsCounting()).as("payload echoed intact").isTrue();
		assertThat(reply.ipChecksum()).as("IPv4 header checksum verifies").isZero();
		assertThat(reply.icmpChecksum()).as("ICMP checksum verifies").isZero();
	}

	@Test
	void isolationKeepsClientsFromTheGatewaysOwnAddressesUntilAllowedLive() throws IOException {
		Map<String, Object> values = config("mgtit5", "10.99.5.0/24");
		TunDriver driver = activate(values);
		assertThat(echo(registry.device(), "10.99.5.2", 11)).as("isolated: no reply").isFalse();

		values.put("allow", new String[] { LOCAL });
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(echo(registry.device(), "10.99.5.2", 12)).as("allowed live: a reply").isTrue();
	}

	/**
	 * A device persisted with offloads on is attached with them off, and back: the offloads are set
	 * each time (TUNSETOFFLOAD), not inherited, and packets pass after each switch.
	 */
	@Test
	void offloadsAreSetOnAttachWhateverThePersistedDeviceCarries() throws IOException {
		for (boolean offload : new boolean[] { true, false, true, false }) {
			TunDriver driver = activate(config("mgtit6", "10.99.6.0/24", "offload", offload, "isolation", false));
			String link = sh("ip", "-d", "-o", "link", "show", "dev", "mgtit6");
			assertThat(link).contains("vnet_hdr " + (offload ? "on" : "off"));
			assertThat(Path.of("/sys/class/net/mgtit6")).exists();
			assertThat(echo(registry.device(), "10.99.6.2", 20)).as("offload=" + offload).isTrue();
			driver.deactivate(Fakes.BUNDLE_STOPPED);
			drivers.remove(driver);
		}
	}

	/**
	 * What the tunnel writes for a burst of datagrams of one flow (Linux 6.2+): one UDP segment,
	 * which the kernel cuts back into the datagrams at gso_size and delivers, each intact.
	 */
	@Test
	void aUdpSegmentWrittenToTheDeviceArrivesAsItsDatagrams() throws IOException {
		activate(config("mgtit21", "10.99.21.0/24", "offload", true, "isolation", false));
		TunDevice device = registry.device();
		assertThat(device.writesUdpSegments()).as("Linux %s", System.getProperty("os.version")).isEqualTo(LinuxTun.KERNEL_TAKES_UDP_SEGMENTS);
		assumeTrue(device.writesUdpSegments(), "this kernel takes no UDP segments");
		try (DatagramSocket sink = new DatagramSocket(9977, InetAddress.getByName(LOCAL))) {
			sink.setSoTimeout(2000);
			int[] sizes = { 64, 64, 64, 20 };
			device.write(udpSegment(Icmp.address("10.99.21.2"), Icmp.address(LOCAL), 9977, sizes));
			for (int i = 0; i < sizes.length; i++) {
				DatagramPacket d = new DatagramPacket(new byte[2048], 2048);
				sink.receive(d);
				byte[] expected = new byte[sizes[i]];
				Arrays.fill(expected, (byte) ('A' + i));
				assertThat(Arrays.copyOf(d.getData(), d.getLength())).as("datagram %d", i).isEqualTo(expected);
				assertThat(d.getPort()).isEqualTo(40000);
			}
		}
	}

	/**
	 * A virtio_net_hdr (NEEDS_CSUM, GSO_UDP_L4, gso_size the first size) and an IPv4 UDP packet
	 * whose payload is datagrams of {@code sizes} bytes, each filled with 'A', 'B', ..., its
	 * checksum field holding the pseudo-header sum.
	 */
	private static ByteBuffer udpSegment(byte[] src, byte[] dst, int port, int[] sizes) {
		int payload = Arrays.stream(sizes).sum();
		ByteBuffer b = ByteBuffer.allocateDirect(TunDevice.VIRTIO_NET_HDR + 28 + payload);
		b.put((byte) 1).put((byte) 5).putShort(Short.reverseBytes((short) 28)).putShort(Short.reverseBytes((short) sizes[0]))
				.putShort(Short.reverseBytes((short) 20)).putShort(Short.reverseBytes((short) 6));
		int ip = b.position();
		b.put((byte) 0x45).put((byte) 0).putShort((short) (28 + payload)).putShort((short) 1).putShort((short) 0x4000)
				.put((byte) 64).put((byte) 17).putShort((short) 0).put(src).put(dst);
		b.putShort(ip + 10, (short) ~fold(words(b, ip, ip + 20)));
		long pseudo = words(b, ip + 12, ip + 20) + 17 + 8 + payload;
		b.putShort((short) 40000).putShort((short) port).putShort((short) (8 + payload)).putShort((short) fold(pseudo));
		for (int i = 0; i < sizes.length; i++) {
			for (int k = 0; k < sizes[i]; k++) {
				b.put((byte) ('A' + i));
			}
		}
		return b.flip();
	}

	private static long words(ByteBuffer b, int from, int to) {
		long sum = 0;
		for (int i = from; i < to; i += 2) {
			sum += Short.toUnsignedInt(b.getShort(i));
		}
		return sum;
	}

	private static int fold(long sum) {
		while (sum >>> 16 != 0) {
			sum = (sum & 0xFFFF) + (sum >>> 16);
		}
		return (int) sum;
	}

	/** Writes an echo request for {@link #LOCAL} from {@code src}; true when the reply comes back. */
	private static boolean echo(TunDevice device, String src, int seq) throws IOException {
		ByteBuffer out = ByteBuffer.allocateDirect(2048);
		out.position(device.offloadHeader());
		Icmp.echoRequest(out, Icmp.address(src), Icmp.address(LOCAL), 0x7e00 + seq, seq, 56);
		out.position(0);
		device.write(out);
		try {
			readEchoReply(device, 0, ByteBuffer.allocateDirect(70000), 0, 0x7e00 + seq);
			return true;
		} catch (AssertionError e) {
			return false;
		}
	}

	@Test
	void aMultiqueueDeviceHasItsQueues() throws IOException {
		TunDriver driver = activate(config("mgtit4", "10.99.0.0/24", "queues", 2, "nat", false, "isolation", false));
		assertThat(driver.summary()).isEqualTo("mgtit4 up, mtu 1400, 2 queue(s), subnet 10.99.0.0/24, NAT off, clients NOT isolated");
		assertThat(sh("ip", "-d", "-o", "link", "show", "dev", "mgtit4")).contains("multi_queue numqueues 2");
		TunDevice device = registry.device();
		assertThat(device.queues()).isEqualTo(2);

		// TunDevice.write goes through queue 0. The kernel steers a flow's packets to the queue the
		// flow was last written on, learnt after each write: the first reply of a new flow goes to
		// a queue chosen by hash, the following ones to queue 0.
		ByteBuffer out = ByteBuffer.allocateDirect(2048);
		ByteBuffer in = ByteBuffer.allocateDirect(2048);
		for (int seq = 1; seq <= 3; seq++) {
			out.clear();
			Icmp.echoRequest(out, Icmp.address("10.99.0.3"), Icmp.address(LOCAL), 0x6d68, seq, 16);
			device.write(out);
			int queue = readEchoReplyFromAnyQueue(device, in, 0x6d68, seq);
			if (seq > 1) {
				assertThat(queue).as("queue of reply " + seq).isZero();
			}
		}
	}

	/** The queue on which the echo reply id/seq arrives, 3 s at most. */
	private static int readEchoReplyFromAnyQueue(TunDevice device, ByteBuffer in, int id, int seq) throws IOException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
		while (System.nanoTime() < deadline) {
			for (int queue = 0; queue < device.queues(); queue++) {
				if (device.read(queue, in.clear(), 50) > 0) {
					Icmp.Packet p = Icmp.Packet.parse(in.flip());
					if (p.isEchoReply(id) && p.seq() == seq) {
						return queue;
					}
				}
			}
		}
		throw new AssertionError("no echo reply " + seq + " on any queue within 3 s");
	}

	@Test
	void liveChangesApplyToTheKernelAndRefusedOnesKeepTheOldValues() throws IOException {
		Map<String, Object> values = config("mgtit3", "10.99.3.0/24");
		TunDriver driver = activate(values);
		Fakes.Registration registration = registry.current();

		values.put("mtu", 1300);
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(mtu(sh("ip", "-o", "link", "show", "dev", "mgtit3"))).isEqualTo(1300);
		assertThat(registry.device().mtu()).isEqualTo(1300);
		assertThat(registration.props()).containsEntry(TunDevice.MTU, 1300);
		assertThat(events.topics()).containsExactly(ConfigVerdict.TOPIC_APPLIED);

		// The tun driver accepts every MTU from 68 to 65535, so within the configuration's bounds
		// (576-65535) the kernel refuses none: above them validation refuses, before the kernel.
		values.put("mtu", 65536);
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(events.last().getTopic()).isEqualTo(ConfigVerdict.TOPIC_REJECTED);
		assertThat(events.last().getProperty(ConfigVerdict.MESSAGE)).isEqualTo("mobilegt.tun: mtu=65536 must be between 576 and 65535");
		assertThat(mtu(sh("ip", "-o", "link", "show", "dev", "mgtit3"))).isEqualTo(1300);
		assertThat(registry.device().mtu()).isEqualTo(1300);
		values.put("mtu", 1300);

		values.put("subnet", "10.99.4.0/24");
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(sh("ip", "-4", "route", "show", "10.99.3.0/24")).isEmpty();
		assertThat(sh("ip", "-4", "route", "show", "10.99.4.0/24")).contains("dev mgtit3");
		assertThat(sh("nft", "list", "table", "inet", "mobilegt_mgtit3")).contains("ip saddr 10.99.4.0/24 oifname != \"mgtit3\" masquerade")
				.doesNotContain("10.99.3.0");
		assertThat(registration.props()).containsEntry(TunDevice.SUBNET, "10.99.4.0/24");

		values.put("nat", false);
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(sh("nft", "list", "table", "inet", "mobilegt_mgtit3")).doesNotContain("masquerade").contains("hook forward");
		assertThat(Files.readString(IP_FORWARD).trim()).isEqualTo("0");
		assertThat(driver.summary()).isEqualTo("mgtit3 up, mtu 1300, 1 queue(s), subnet 10.99.4.0/24, NAT off, clients isolated");
	}

	@Test
	void aBlockedReadReturnsPromptlyWhenTheDeviceCloses() throws Exception {
		TunDriver driver = activate(config("mgtit5", "10.99.5.0/24", "nat", false));
		TunDevice device = registry.device();
		CountDownLatch reading = new CountDownLatch(1);
		CompletableFuture<long[]> read = CompletableFuture.supplyAsync(() -> {
			reading.countDown();
			try {
				ByteBuffer in = ByteBuffer.allocateDirect(2048);
				int n;
				do { // skip what the kernel sends on its own (IPv6 router solicitations)
					n = device.read(0, in.clear(), 30_000);
				} while (n > 0);
				return new long[] { n, System.nanoTime() };
			} catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
		Thread.sleep(300); // let it block in poll(); no timeout that would end it comes before 30 s
		assertThat(read).isNotDone();

		long closing = System.nanoTime();
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(driver);

		long[] result = read.get(5, TimeUnit.SECONDS);
		assertThat(result[0]).as("read's result after close").isEqualTo(-1);
		assertThat(TimeUnit.NANOSECONDS.toMillis(result[1] - closing)).as("ms until the blocked read returned").isLessThan(1000);
		assertThat(device.read(0, ByteBuffer.allocateDirect(2048), 1000)).isEqualTo(-1);
		ByteBuffer packet = ByteBuffer.allocateDirect(100);
		Icmp.echoRequest(packet, Icmp.address("10.99.5.2"), Icmp.address(LOCAL), 1, 1, 8);
		assertThatThrownBy(() -> device.write(packet)).isInstanceOf(IOException.class).hasMessage("mgtit5 is closed");
	}

	/**
	 * The tunnel's uplink drains a queue without waiting while the queue's downlink waits in poll:
	 * each packet reaches one of them, and a read with timeout 0 returns 0 once the queue is empty.
	 */
	@Test
	void aReaderThatDoesNotWaitAndOneThatWaitsShareAQueueEachPacketGoingToOne() throws Exception {
		TunDriver driver = activate(config("mgtit15", "10.99.15.0/24", "nat", false));
		TunDevice device = registry.device();
		ByteBuffer own = ByteBuffer.allocateDirect(2048);
		for (int i = 0; i < 100 && device.read(0, own.clear(), 0) > 0; i++) {
			// what the kernel sent on its own (IPv6 router solicitations)
		}
		assertThat(device.read(0, own.clear(), 0)).as("an empty queue, not waited for").isZero();
		assertThat(device.pollFd(0)).as("a descriptor to poll with the tunnel's socket").isNotNegative();

		int datagrams = 200;
		CountDownLatch reading = new CountDownLatch(1);
		AtomicInteger waited = new AtomicInteger();
		CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
			reading.countDown();
			ByteBuffer in = ByteBuffer.allocateDirect(2048);
			try {
				int n;
				while ((n = device.read(0, in.clear(), 30_000)) >= 0) {
					waited.addAndGet(n > 0 && isUdpTo(in, "10.99.15.2") ? 1 : 0);
				}
				return n;
			} catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
		int drained = 0;
		try (DatagramSocket s = new DatagramSocket()) {
			byte[] m = "drain me".getBytes(StandardCharsets.US_ASCII);
			for (int i = 0; i < datagrams; i++) {
				s.send(new DatagramPacket(m, m.length, InetAddress.getByName("10.99.15.2"), 9));
				while (device.read(0, own.clear(), 0) > 0) {
					drained += isUdpTo(own, "10.99.15.2") ? 1 : 0;
				}
			}
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (waited.get() + drained < datagrams && System.nanoTime() < deadline) {
			Thread.sleep(10); // the waiting reader takes what is left
		}
		Thread.sleep(100); // a packet read twice would show now
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(driver);

		assertThat(waiting.get(5, TimeUnit.SECONDS)).as("the waiting reader's last read, once closed").isEqualTo(-1);
		assertThat(waited.get() + drained).as("datagrams read, by either reader").isEqualTo(datagrams);
		assertThat(drained).as("read without waiting").isPositive();
		assertThat(device.read(0, own.clear(), 0)).as("closed").isEqualTo(-1);
		assertThat(device.pollFd(0)).as("closed: none").isEqualTo(-1);
	}

	private static boolean isUdpTo(ByteBuffer in, String dst) {
		byte[] to = new byte[4];
		in.get(16, to);
		return in.position() >= Icmp.IP_HEADER && in.get(0) >> 4 == 4 && in.get(9) == 17 && Arrays.equals(to, Icmp.address(dst));
	}

	@Test
	void aMissingCloneDeviceIsExplained() {
		TunDriver driver = activate(config("mgtit6", "10.99.6.0/24", "device", "/nonexistent"));
		assertThat(driver.up()).isFalse();
		assertThat(driver.error()).isEqualTo("no /nonexistent: load the tun module (modprobe tun) or create the device node");
		assertThat(registry.registrations).isEmpty();
		assertThat(run("ip", "link", "show", "dev", "mgtit6").exit()).isNotZero();
	}

	@Test
	void aNameTakenByAnotherKindOfDeviceIsExplainedAndThatDeviceLeftAlone() throws IOException {
		// this kernel may lack the dummy driver; a veth is as much not-a-TUN
		sh("ip", "link", "add", "mgtdum0", "type", "veth", "peer", "name", "mgtdum1");
		devices.add("mgtdum0");
		TunDriver driver = activate(config("mgtdum0", "10.99.7.0/24"));

		assertThat(driver.up()).isFalse();
		assertThat(driver.error()).isEqualTo("the name mgtdum0 is in use by a non-TUN device; choose another name");
		assertThat(driver.summary()).isEqualTo("no TUN device: the name mgtdum0 is in use by a non-TUN device; choose another name");
		assertThat(flags(sh("ip", "-o", "link", "show", "dev", "mgtdum0"))).doesNotContain("UP");
		assertThat(sh("ip", "-4", "route", "show", "10.99.7.0/24")).isEmpty();
		assertThat(sh("nft", "list", "ruleset")).doesNotContain("mobilegt_mgtdum0");
	}

	@Test
	void aDeviceHeldByAnotherDriverIsBusy() {
		activate(config("mgtit8", "10.99.8.0/24", "nat", false));
		TunDriver second = activate(config("mgtit8", "10.99.9.0/24", "nat", false));
		assertThat(second.up()).isFalse();
		assertThat(second.error()).isEqualTo("TUN device mgtit8 is busy: another process holds it (or it is multiqueue)");
		assertThat(run("ip", "-4", "route", "show", "10.99.8.0/24").out()).contains("dev mgtit8");
	}

	@Test
	void anInvalidSubnetCreatesNothing() {
		TunDriver driver = activate(config("mgtit9", "10.99.0.1/24"));
		assertThat(driver.up()).isFalse();
		assertThat(driver.error()).isEqualTo("mobilegt.tun: subnet=10.99.0.1/24 has host bits set; did you mean 10.99.0.0/24?");
		assertThat(run("ip", "link", "show", "dev", "mgtit9").exit()).isNotZero();
	}

	private static Path acceptRa(String iface) {
		return Path.of("/proc/sys/net/ipv6/conf", iface, "accept_ra");
	}

	private static String read(Path p) throws IOException {
		return Files.readString(p).strip();
	}

	@Test
	void ipv6AddressRouteForwardingAndNat66AreInstalledAndAllTakenBack() throws IOException {
		TunDriver driver = activate(config("mgtit10", "10.99.10.0/24", "subnet6", "fd00:99:10::/64"));

		assertThat(driver.error()).isNull();
		assertThat(sh("ip", "-6", "addr", "show", "dev", "mgtit10")).contains("inet6 fd00:99:10::1/64 scope global");
		assertThat(sh("ip", "-6", "route", "show", "fd00:99:10::/64")).contains("fd00:99:10::/64 dev mgtit10");
		assertThat(read(IPV6_FORWARDING)).isEqualTo("1");
		assertThat(read(acceptRa(UPLINK))).as("RAs still accepted on the uplink while forwarding").isEqualTo("2");
		String table = sh("nft", "list", "table", "inet", "mobilegt_mgtit10");
		assertThat(table).contains("ip6 saddr fd00:99:10::/64 oifname != \"mgtit10\" masquerade",
				"iifname \"mgtit10\" jump from_clients", "ip6 saddr != fd00:99:10::/64 drop", "ip6 daddr fc00::/7 drop",
				"packet-too-big").doesNotContain("meta nfproto ipv6 drop");
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, "fd00:99:10::/64");
		assertThat(driver.installed()).contains("address fd00:99:10::1/64 dev mgtit10",
				"net.ipv6.conf.all.forwarding=1 (was 0), net.ipv6.conf." + UPLINK + ".accept_ra=2 (was 1)");

		driver.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(driver);

		assertThat(sh("ip", "-6", "addr", "show", "dev", "mgtit10")).doesNotContain("fd00:99:10::1");
		assertThat(sh("ip", "-6", "route", "show", "fd00:99:10::/64")).isEmpty();
		assertThat(read(IPV6_FORWARDING)).isEqualTo("0");
		assertThat(read(acceptRa(UPLINK))).isEqualTo("1");
		assertThat(sh("nft", "list", "ruleset")).doesNotContain("mobilegt_mgtit10");
		assertThat(registry.dataArea().resolve("ipv6_forwarding.original")).doesNotExist();
	}

	@Test
	void theDefaultUlaIsGeneratedOnceKeptInTheConfigurationDirectoryAndServed() throws IOException {
		TunDriver first = activate(config("mgtit11", "10.99.11.0/24", "subnet6", "auto"));
		String prefix = (String) registry.current().props().get(TunDevice.SUBNET6);
		assertThat(prefix).matches("fd[0-9a-f]{2}(:[0-9a-f]{1,4}){0,2}::/64");
		Path kept = Path.of(registry.context.getProperty(UlaPrefix.CONF_PROPERTY), UlaPrefix.FILE);
		assertThat(kept).hasContent(prefix);
		assertThat(sh("ip", "-6", "route", "show", prefix)).contains("dev mgtit11");
		first.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(first);

		TunDriver again = activate(config("mgtit11", "10.99.11.0/24", "subnet6", "auto"));
		assertThat(again.summary()).contains("subnet6 " + prefix);
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, prefix);
	}

	/**
	 * A run that dies without its stop (kill -9) leaves address, forwarding, accept_ra and table
	 * behind with their records, as a hand-over does (here one, whose queue the next run takes over):
	 * the next run takes them over, with the same subnet6 publishing it and confirming the address
	 * in place, and its stop restores the values found before the first; a next run without IPv6
	 * restores them at once and takes the stale address away.
	 */
	@ParameterizedTest(name = "next subnet6=''{0}''")
	@ValueSource(strings = { "fd00:99:12::/64", "" })
	void whatADeadRunLeftIsRestoredByTheNext(String nextSubnet6) throws IOException {
		TunDriver dead = activate(config("mgtit12", "10.99.12.0/24", "subnet6", "fd00:99:12::/64"));
		registry.updating();
		dead.deactivate(Fakes.BUNDLE_STOPPED); // everything stays, as after kill -9
		drivers.remove(dead);
		assertThat(read(IPV6_FORWARDING)).isEqualTo("1");
		assertThat(read(acceptRa(UPLINK))).isEqualTo("2");
		assertThat(registry.dataArea().resolve("ipv6_forwarding.original")).exists();

		registry.stoppedByOperator();
		TunDriver next = activate(config("mgtit12", "10.99.12.0/24", "subnet6", nextSubnet6));
		assertThat(log.at("INFO")).contains("TUN mgtit12: 1 queue(s) taken over from the previous activation");
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, nextSubnet6);
		if (nextSubnet6.isEmpty()) {
			assertThat(read(IPV6_FORWARDING)).as("restored at start").isEqualTo("0");
			assertThat(read(acceptRa(UPLINK))).isEqualTo("1");
			assertThat(sh("ip", "-6", "addr", "show", "dev", "mgtit12")).doesNotContain("fd00:99:12::1");
			assertThat(sh("nft", "list", "table", "inet", "mobilegt_mgtit12")).contains("meta nfproto ipv6 drop");
		} else {
			assertThat(next.installed()).contains("net.ipv6.conf.all.forwarding=1 (was 0), net.ipv6.conf." + UPLINK
					+ ".accept_ra=2 (was 1)");
			assertThat(sh("ip", "-6", "addr", "show", "dev", "mgtit12")).containsOnlyOnce("inet6 fd00:99:12::1/64");
		}
		next.deactivate(Fakes.BUNDLE_STOPPED);
		drivers.remove(next);
		assertThat(read(IPV6_FORWARDING)).isEqualTo("0");
		assertThat(read(acceptRa(UPLINK))).isEqualTo("1");
		assertThat(sh("ip", "-6", "route", "show", "fd00:99:12::/64")).isEmpty();
		assertThat(registry.dataArea().resolve("ipv6_forwarding.original")).doesNotExist();
		assertThat(registry.dataArea().resolve("accept_ra." + UPLINK + ".original")).doesNotExist();
	}

	@Test
	void aLiveSubnet6ChangeMovesAddressRouteAndNat66AndARefusedOneKeepsThem() throws IOException {
		Map<String, Object> values = config("mgtit13", "10.99.13.0/24", "subnet6", "fd00:99:13::/64");
		TunDriver driver = activate(values);

		values.put("subnet6", "2001:db8:99:13::/64");
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(events.last().getTopic()).isEqualTo(ConfigVerdict.TOPIC_APPLIED);
		assertThat(sh("ip", "-6", "route", "show", "2001:db8:99:13::/64")).contains("dev mgtit13");
		assertThat(sh("ip", "-6", "route", "show", "fd00:99:13::/64")).isEmpty();
		assertThat(sh("nft", "list", "table", "inet", "mobilegt_mgtit13")).contains("ip6 saddr 2001:db8:99:13::/64 oifname")
				.doesNotContain("fd00:99:13::");

		values.put("subnet6", "ff02::/64");
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(events.last().getTopic()).isEqualTo(ConfigVerdict.TOPIC_REJECTED);
		assertThat(sh("ip", "-6", "route", "show", "2001:db8:99:13::/64")).contains("dev mgtit13");

		values.put("subnet6", "2001:db8:99:13::/64");
		values.put("nat6", "routed");
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(sh("nft", "list", "table", "inet", "mobilegt_mgtit13")).doesNotContain("ip6 saddr 2001:db8:99:13::/64 oifname")
				.contains("ip6 saddr != 2001:db8:99:13::/64 drop");
		assertThat(read(IPV6_FORWARDING)).isEqualTo("1");
	}

	/**
	 * ICMPv6 echo through the real kernel: the gateway's own address is isolated until allowed, and
	 * a source outside subnet6 is dropped by the table even when routed here (without the table,
	 * the control, the kernel answers it).
	 */
	@Test
	void isolationKeepsClientsFromTheGatewaysIpv6AddressAndForeignIpv6SourcesAreDropped() throws IOException {
		Map<String, Object> values = config("mgtit14", "10.99.14.0/24", "subnet6", "fd00:99:14::/64");
		TunDriver driver = activate(values);
		TunDevice device = registry.device();
		assertThat(echo6(device, "fd00:99:14::2", 1)).as("isolated: no reply").isFalse();

		values.put("allow", new String[] { "fd00:99:14::1" });
		driver.modified(Fakes.config(values), Fakes.properties(values));
		assertThat(echo6(device, "fd00:99:14::2", 2)).as("allowed live: a reply").isTrue();

		sh("ip", "-6", "route", "add", "2001:db8:77::/64", "dev", "mgtit14"); // replies to the spoofed source go back in
		assertThat(echo6(device, "2001:db8:77::2", 3)).as("a source outside subnet6").isFalse();
		sh("nft", "delete", "table", "inet", "mobilegt_mgtit14");
		assertThat(echo6(device, "2001:db8:77::2", 4)).as("control: without the table the kernel answers").isTrue();
	}

	/** Writes an echo request for the gateway's fd00:99:14::1 from {@code src}; true when the reply comes back. */
	private static boolean echo6(TunDevice device, String src, int seq) throws IOException {
		ByteBuffer out = ByteBuffer.allocateDirect(2048);
		out.position(device.offloadHeader());
		int id = 0x7600 + seq;
		Icmp6.echoRequest(out, src, "fd00:99:14::1", id, seq, 56);
		out.position(0);
		device.write(out);
		ByteBuffer in = ByteBuffer.allocateDirect(70000);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
		while (System.nanoTime() < deadline) {
			if (device.read(0, in.clear(), 200) > 0 && Icmp6.isEchoReply(in.flip().position(device.offloadHeader()), id, src)) {
				return true;
			}
		}
		return false;
	}

	/** Reads until the echo reply with {@code id} arrives (skipping anything else the kernel sends), 3 s at most. */
	static Icmp.Packet readEchoReply(TunDevice device, int queue, ByteBuffer in, int at, int id) throws IOException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
		List<Icmp.Packet> other = new ArrayList<>();
		while (System.nanoTime() < deadline) {
			in.clear().position(at);
			int n = device.read(queue, in, 500);
			if (n > 0) {
				assertThat(in.position()).isEqualTo(at + n);
				in.flip().position(at + device.offloadHeader());
				Icmp.Packet p = Icmp.Packet.parse(in);
				if (p.isEchoReply(id)) {
					return p;
				}
				other.add(p);
			}
		}
		throw new AssertionError("no echo reply from the TUN within 3 s; read instead: " + other);
	}

	private static List<String> flags(String link) {
		Matcher m = FLAGS.matcher(link);
		assertThat(m.find()).as("flags in " + link).isTrue();
		return Arrays.asList(m.group(1).split(","));
	}

	private static int mtu(String link) {
		Matcher m = MTU.matcher(link);
		assertThat(m.find()).as("mtu in " + link).isTrue();
		return Integer.parseInt(m.group(1));
	}

	/** Runs a command; its stdout, or a failed assertion with its stderr. */
	static String sh(String... command) {
		Commands.Result r = run(command);
		assertThat(r.exit()).as(String.join(" ", command) + ": " + r.err()).isZero();
		return r.out().strip();
	}

	static Commands.Result run(String... command) {
		try {
			return new Commands().run(command);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}
}
