package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.RecordingEvents;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.event.Event;

/** TunDriver's configuration logic against a fake host network and a fake device: no root needed. */
class TunDriverTest {

	/** Records every change as a line ("route add 10.77.0.0/16"); fails the steps it is told to. */
	static final class FakeHost extends HostNetwork {
		final List<String> calls = new ArrayList<>();
		final Set<String> refuse = new HashSet<>();
		String ipForward = "0";
		List<String> blockers = List.of();

		FakeHost() {
			super(null, null, null);
		}

		private void call(String line) throws IOException {
			if (refuse.contains(line)) {
				throw new IOException(line + ": Error: refused");
			}
			calls.add(line);
		}

		private Installed installed(String description, String undo) {
			return new Installed(description, () -> call(undo));
		}

		/** Runs as the set-up begins: lets a test look at what was registered by then. */
		Runnable beforeLinkUp = () -> {
		};

		@Override
		Installed linkUp(String device, int mtu) throws IOException {
			beforeLinkUp.run();
			call("link up " + device + " mtu " + mtu);
			return installed("link " + device + " up", "link down " + device);
		}

		@Override
		void setMtu(String device, int mtu) throws IOException {
			call("mtu " + device + " " + mtu);
		}

		@Override
		Installed route(String subnet, String device) throws IOException {
			call("route add " + subnet + " dev " + device);
			return installed("route " + subnet + " dev " + device, "route del " + subnet + " dev " + device);
		}

		/** Like ForwardingRecord: the value found first, kept until the undo. */
		String recorded;

		@Override
		Optional<Installed> forwarding() throws IOException {
			if (recorded == null) {
				if (ipForward.equals("1")) {
					return Optional.empty();
				}
				recorded = ipForward;
			}
			if (refuse.contains("ip_forward 1")) {
				throw new ForwardingOff(new java.nio.file.AccessDeniedException("/proc/sys/net/ipv4/ip_forward"));
			}
			if (!ipForward.equals("1")) {
				call("ip_forward 1");
				ipForward = "1";
			}
			String original = recorded;
			return Optional.of(new Installed("net.ipv4.ip_forward=1 (was " + original + ")", () -> {
				call("ip_forward " + original);
				ipForward = original;
				recorded = null;
			}));
		}

		/** Like Ipv6Sysctls: the forwarding value found first, kept until the undo. */
		String ipv6Forwarding = "0";
		String recorded6;

		@Override
		Installed address6(String subnet6, String device) throws IOException {
			call("address6 add " + subnet6 + " dev " + device);
			return installed("address6 " + subnet6 + " dev " + device, "address6 del " + subnet6 + " dev " + device);
		}

		@Override
		Optional<Installed> forwarding6(String device) throws IOException {
			if (recorded6 == null) {
				if (ipv6Forwarding.equals("1")) {
					return Optional.empty();
				}
				recorded6 = ipv6Forwarding;
			}
			if (refuse.contains("ipv6 forwarding 1")) {
				throw new ForwardingOff("net.ipv6.conf.all.forwarding", "1",
						new java.nio.file.AccessDeniedException("/proc/sys/net/ipv6/conf/all/forwarding"));
			}
			if (!ipv6Forwarding.equals("1")) {
				call("ipv6 forwarding 1");
				ipv6Forwarding = "1";
			}
			String original = recorded6;
			return Optional.of(new Installed("net.ipv6.conf.all.forwarding=1 (was " + original + ")", () -> restoreForwarding6()));
		}

		/** Global IPv6 addresses on the device, as a killed run may leave them. */
		final List<String> addresses6 = new ArrayList<>();

		@Override
		void removeStaleAddresses6(String device, String keep) throws IOException {
			for (String a : List.copyOf(addresses6)) {
				if (!a.equals(keep)) {
					call("address6 stale del " + a);
					addresses6.remove(a);
				}
			}
		}

		@Override
		void restoreForwarding6() throws IOException {
			if (recorded6 != null) {
				call("ipv6 forwarding " + recorded6);
				ipv6Forwarding = recorded6;
				recorded6 = null;
			}
		}

		@Override
		Installed firewall(Firewall f) throws IOException {
			Isolation i = f.isolation();
			String rule = (f.nat() ? f.subnet() + " out of " + (f.egress() == null ? "!" + f.device() : f.egress()) : "filter only")
					+ (f.subnet6() == null ? "" : " + " + f.subnet6() + (f.nat() && f.masquerade6() ? " masq" : " routed"))
					+ (i.on() ? "" : " open") + (i.clientToClient() ? " c2c" : "") + (i.allow().isEmpty() ? "" : " allow " + i.allow())
					+ (i.deny().isEmpty() ? "" : " deny " + i.deny());
			call("nat add " + rule);
			return installed("nat " + rule, "nat del " + rule);
		}

		@Override
		List<String> forwardBlockers(String device) {
			return blockers;
		}

		@Override
		void removeLeftovers(String device) throws IOException {
			call("nat leftovers " + device);
		}
	}

	static final class FakeTun implements Tun {
		private static int nextFd = 100;
		final String name;
		final int queues;
		final boolean offload;
		final int[] fds;
		Boolean persist;
		boolean closed;
		boolean handedOver;

		FakeTun(String name, int queues, boolean offload) {
			this(name, offload, java.util.stream.IntStream.range(0, queues).map(q -> nextFd++).toArray());
		}

		FakeTun(String name, boolean offload, int[] fds) {
			this.name = name;
			this.queues = fds.length;
			this.offload = offload;
			this.fds = fds;
		}

		@Override
		public int[] handOver() {
			handedOver = true;
			return fds.clone();
		}

		@Override
		public int offloadHeader() {
			return offload ? TunDevice.VIRTIO_NET_HDR : 0;
		}

		@Override
		public String name() {
			return name;
		}

		@Override
		public int queues() {
			return queues;
		}

		@Override
		public int read(int queue, ByteBuffer dst, int timeoutMillis) {
			return closed ? -1 : 0;
		}

		@Override
		public int write(int queue, ByteBuffer src) {
			int n = src.remaining();
			src.position(src.limit());
			return n;
		}

		@Override
		public void persist(boolean persist) {
			this.persist = persist;
		}

		@Override
		public void close() {
			closed = true;
		}
	}

	final FakeHost host = new FakeHost();
	final List<FakeTun> opened = new ArrayList<>();
	final Set<String> unopenable = new HashSet<>();
	boolean refuseOffloads;
	final Fakes.Registry registry = new Fakes.Registry();
	final RecordingLogger log = new RecordingLogger();
	final RecordingEvents events = new RecordingEvents();
	final Fakes.ConfigAdmin cm = new Fakes.ConfigAdmin();

	private Tun open(String clonePath, String name, int queues, boolean offload) throws IOException {
		if (unopenable.contains(name)) {
			throw new TunOpenException("the name " + name + " is in use by a non-TUN device; choose another name");
		}
		if (offload && refuseOffloads) {
			throw TunOpenException.offloadsRefused("TUNSETOFFLOAD on " + name + " failed: Invalid argument");
		}
		FakeTun tun = new FakeTun(name, queues, offload);
		opened.add(tun);
		return tun;
	}

	/** Like LinuxTun.adopt: the queues of a device handed over and still open, if they fit. */
	private Tun adopt(String handedOver, String name, int queues, int[] fds) {
		Optional<FakeTun> left = opened.stream()
				.filter(t -> t.handedOver && t.name.equals(handedOver) && java.util.Arrays.equals(t.fds, fds)).findFirst();
		if (left.isEmpty() || !handedOver.equals(name) || queues != fds.length) {
			left.ifPresent(t -> t.closed = true);
			return null;
		}
		FakeTun tun = new FakeTun(name, left.get().offload, fds);
		adopted.add(tun);
		return tun;
	}

	final List<FakeTun> adopted = new ArrayList<>();

	private TunDriver activate(Map<String, Object> values) {
		TunDriver driver = new TunDriver(registry.context, Fakes.config(v4only(values)), Fakes.properties(values), log.logger,
				host, this::open, this::adopt, Fakes.ULA);
		driver.events = events.admin; // DS binds the dynamic references after the constructor
		driver.configurationAdmin = cm.admin;
		return driver;
	}

	private static void modify(TunDriver driver, Map<String, Object> values) {
		driver.modified(Fakes.config(v4only(values)), Fakes.properties(values));
	}

	/** The tests before IPv6 run without it: subnet6 empty unless they set it. */
	private static Map<String, Object> v4only(Map<String, Object> values) {
		Map<String, Object> m = new HashMap<>(values);
		m.putIfAbsent("subnet6", "");
		return m;
	}

	private static Map<String, Object> with(Map<String, Object> base, Object... keyValues) {
		Map<String, Object> m = new HashMap<>(base);
		for (int i = 0; i < keyValues.length; i += 2) {
			m.put((String) keyValues[i], keyValues[i + 1]);
		}
		return m;
	}

	private static final Map<String, Object> BASE = Map.of("name", "mgt0", "subnet", "10.77.0.0/16");

	@Test
	void activationBringsTheDeviceUpRoutedAndNattedAndRegistersIt() {
		TunDriver driver = activate(BASE);

		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0", "ip_forward 1",
				"nat add 10.77.0.0/16 out of !mgt0");
		assertThat(opened).singleElement().satisfies(t -> {
			assertThat(t.name).isEqualTo("mgt0");
			assertThat(t.persist).isTrue();
		});
		TunDevice device = registry.device();
		assertThat(device.name()).isEqualTo("mgt0");
		assertThat(device.mtu()).isEqualTo(1400);
		assertThat(registry.current().props()).containsEntry(TunDevice.NAME, "mgt0").containsEntry(TunDevice.MTU, 1400)
				.containsEntry(TunDevice.SUBNET, "10.77.0.0/16");
		assertThat(driver.up()).isTrue();
		assertThat(driver.error()).isNull();
		assertThat(driver.summary()).isEqualTo("mgt0 up, mtu 1400, 1 queue(s), subnet 10.77.0.0/16, NAT on, clients isolated, offloads on");
		assertThat(driver.installed()).containsExactly("link mgt0 up", "route 10.77.0.0/16 dev mgt0",
				"net.ipv4.ip_forward=1 (was 0)", "nat 10.77.0.0/16 out of !mgt0");
		assertThat(log.at("INFO")).containsExactly(
				"TUN mgt0 up with offloads: link mgt0 up; route 10.77.0.0/16 dev mgt0; net.ipv4.ip_forward=1 (was 0); nat 10.77.0.0/16 out of !mgt0");
	}

	@Test
	void aKernelThatRefusesOffloadsGetsADeviceWithoutThem() {
		refuseOffloads = true;
		TunDriver driver = activate(BASE);

		assertThat(opened).singleElement().satisfies(t -> assertThat(t.offload).isFalse());
		assertThat(driver.up()).isTrue();
		assertThat(registry.device().offloadHeader()).isZero();
		assertThat(driver.summary()).doesNotContain("offloads");
		assertThat(log.at("WARN")).containsExactly("TUN mgt0 opens without offloads: TUNSETOFFLOAD on mgt0 failed: Invalid argument");
	}

	@Test
	void offloadsCanBeSwitchedOff() {
		activate(with(BASE, "offload", false));
		assertThat(opened).singleElement().satisfies(t -> assertThat(t.offload).isFalse());
		assertThat(registry.current().props()).containsEntry(TunDevice.OFFLOAD_HEADER, 0);
	}

	@Test
	void egressAutoMasqueradesOutOfAnyInterfaceButTheTunSoThatItFollowsTheDefaultRoute() {
		activate(BASE);
		assertThat(host.calls).contains("nat add 10.77.0.0/16 out of !mgt0");
		assertThat(log.at("WARN")).isEmpty();
	}

	@Test
	void explicitEgressIsUsedAsIs() {
		activate(with(BASE, "egress", "wan0"));
		assertThat(host.calls).contains("nat add 10.77.0.0/16 out of wan0");
	}

	@Test
	void forwardingAlreadyOnIsNeitherRecordedNorTurnedOff() {
		host.ipForward = "1";
		TunDriver driver = activate(BASE);
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).doesNotContain("ip_forward 1", "ip_forward 0");
		assertThat(host.ipForward).isEqualTo("1");
	}

	@Test
	void forwardingThatMayNotBeTurnedOnIsAWarningAndTheDeviceRunsWithNat() {
		host.refuse.add("ip_forward 1");
		TunDriver driver = activate(BASE);
		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0",
				"nat add 10.77.0.0/16 out of !mgt0");
		assertThat(log.at("WARN")).singleElement().asString().contains("IPv4 forwarding is off", "AccessDeniedException",
				"sysctl -w net.ipv4.ip_forward=1");
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).doesNotContain("ip_forward 0");
	}

	@Test
	void natOffTouchesNeitherForwardingNorNatButStillIsolates() {
		TunDriver driver = activate(with(BASE, "nat", false));
		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0", "nat add filter only");
		assertThat(driver.summary()).contains("NAT off");
	}

	@Test
	void deactivationTakesBackEverythingInReverseAndClosesTheDevice() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		driver.deactivate(Fakes.BUNDLE_STOPPED);

		assertThat(host.calls).containsExactly("nat del 10.77.0.0/16 out of !mgt0", "ip_forward 0", "route del 10.77.0.0/16 dev mgt0",
				"link down mgt0");
		assertThat(host.ipForward).isEqualTo("0");
		assertThat(opened.get(0).closed).isTrue();
		assertThat(registry.current()).isNull();
		assertThat(driver.up()).isFalse();
		assertThat(driver.installed()).isEmpty();
		assertThat(log.at("INFO")).contains("TUN mgt0 closed (the device persists)");
	}

	@Test
	void aBundleUpdateHandsTheDeviceOverWithItsQueuesRouteAndNatAndTheNextActivationTakesItOver() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		registry.updating();
		driver.deactivate(Fakes.BUNDLE_STOPPED);

		// nothing goes back, ip_forward included: the record of its original value stays; the
		// queues stay open, so the device is never without one
		assertThat(host.calls).isEmpty();
		assertThat(opened.get(0).handedOver).isTrue();
		assertThat(opened.get(0).closed).isFalse();
		assertThat(registry.current()).isNull();
		assertThat(driver.up()).isFalse();
		assertThat(log.at("INFO")).contains("TUN mgt0 handed over to the next activation (bundle update): link, route, forwarding and firewall stay");

		host.calls.clear();
		List<Boolean> registeredAtSetUp = new ArrayList<>();
		host.beforeLinkUp = () -> registeredAtSetUp.add(registry.current() != null);
		TunDriver next = activate(BASE);
		assertThat(opened).as("nothing opened anew").hasSize(1);
		assertThat(adopted).singleElement().satisfies(t -> assertThat(t.fds).isEqualTo(opened.get(0).fds));
		assertThat(registeredAtSetUp).as("registered before the set-up, which is in place already").containsExactly(true);
		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0",
				"nat add 10.77.0.0/16 out of !mgt0");
		assertThat(next.up()).isTrue();
		assertThat(registry.device().name()).isEqualTo("mgt0");
		assertThat(next.installed()).contains("net.ipv4.ip_forward=1 (was 0)");
		assertThat(log.at("INFO")).contains("TUN mgt0: 1 queue(s) taken over from the previous activation");
		host.calls.clear();
		registry.stoppedByOperator();
		next.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).contains("ip_forward 0");
		assertThat(adopted.get(0).closed).isTrue();
	}

	@Test
	void queuesHandedOverWithOtherSettingsAreTakenOverButRegisteredOnlyAfterTheSetUp() {
		TunDriver driver = activate(BASE);
		registry.updating();
		driver.deactivate(Fakes.BUNDLE_STOPPED);

		List<Boolean> registeredAtSetUp = new ArrayList<>();
		host.beforeLinkUp = () -> registeredAtSetUp.add(registry.current() != null);
		TunDriver next = activate(with(BASE, "mtu", 1300));
		assertThat(opened).hasSize(1);
		assertThat(adopted).hasSize(1);
		assertThat(registeredAtSetUp).containsExactly(false);
		assertThat(next.up()).isTrue();
		assertThat(registry.device().mtu()).isEqualTo(1300);
	}

	@Test
	void queuesThatDoNotFitTheNewSettingsAreClosedAndTheDeviceOpenedAnew() {
		TunDriver driver = activate(BASE);
		registry.updating();
		driver.deactivate(Fakes.BUNDLE_STOPPED);

		TunDriver next = activate(with(BASE, "queues", 2));
		assertThat(adopted).isEmpty();
		assertThat(opened.get(0).closed).as("the queue handed over").isTrue();
		assertThat(opened).hasSize(2);
		assertThat(opened.get(1).queues).isEqualTo(2);
		assertThat(next.up()).isTrue();
	}

	@Test
	void queuesOfADeviceRenamedDuringTheUpdateAreClosedAndTheNewOneOpened() {
		TunDriver driver = activate(BASE);
		registry.updating();
		driver.deactivate(Fakes.BUNDLE_STOPPED);

		TunDriver next = activate(with(BASE, "name", "mgt1"));
		assertThat(adopted).isEmpty();
		assertThat(opened.get(0).closed).as("mgt0's queue, handed over").isTrue();
		assertThat(opened.get(1).name).isEqualTo("mgt1");
		assertThat(next.up()).isTrue();
	}

	@Test
	void aHandOverRecordOfAnotherFrameworkRunIsIgnored() {
		TunDriver driver = activate(BASE);
		registry.updating();
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		registry.restartFramework(); // its descriptor numbers mean nothing in this process

		TunDriver next = activate(BASE);
		assertThat(adopted).isEmpty();
		assertThat(opened).hasSize(2);
		assertThat(next.up()).isTrue();
		assertThat(registry.dataArea().resolve("tun.handover")).doesNotExist();
	}

	@Test
	void anOperatorsStopClosesEverything() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		registry.stoppedByOperator();
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).containsExactly("nat del 10.77.0.0/16 out of !mgt0", "ip_forward 0", "route del 10.77.0.0/16 dev mgt0",
				"link down mgt0");
	}

	@Test
	void otherDeactivationsWhileTheBundleRunsOnCloseEverything() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		registry.updating();
		driver.deactivate(ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED);
		assertThat(host.calls).contains("nat del 10.77.0.0/16 out of !mgt0", "route del 10.77.0.0/16 dev mgt0", "link down mgt0");
	}

	@Test
	void aDeviceThatDoesNotPersistIsNeverHandedOver() {
		TunDriver driver = activate(with(BASE, "persist", false));
		host.calls.clear();
		registry.updating();
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).contains("nat del 10.77.0.0/16 out of !mgt0", "route del 10.77.0.0/16 dev mgt0", "link down mgt0");
	}

	@Test
	void mtuChangeAppliesLive() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "mtu", 1300));

		assertThat(host.calls).containsExactly("mtu mgt0 1300");
		assertThat(registry.device().mtu()).isEqualTo(1300);
		assertThat(registry.current().props()).containsEntry(TunDevice.MTU, 1300);
		assertThat(events.topics()).containsExactly(ConfigVerdict.TOPIC_APPLIED);
		assertThat(opened).hasSize(1);
	}

	@Test
	void mtuRefusedByTheKernelKeepsTheOldOneAndIsReported() {
		TunDriver driver = activate(BASE);
		host.refuse.add("mtu mgt0 1300");
		host.calls.clear();
		modify(driver, with(BASE, "mtu", 1300));

		assertThat(host.calls).isEmpty();
		assertThat(registry.device().mtu()).isEqualTo(1400);
		assertThat(registry.current().props()).containsEntry(TunDevice.MTU, 1400);
		assertThat(driver.summary()).contains("mtu 1400");
		Event rejected = events.last();
		assertThat(rejected.getTopic()).isEqualTo(ConfigVerdict.TOPIC_REJECTED);
		assertThat(rejected.getProperty(ConfigVerdict.PID)).isEqualTo("mobilegt.tun");
		assertThat(rejected.getProperty(ConfigVerdict.KEY)).isEqualTo("mtu");
		assertThat(rejected.getProperty(ConfigVerdict.MESSAGE))
				.isEqualTo("mobilegt.tun: mtu=1300 was refused by the kernel: mtu mgt0 1300: Error: refused");
		assertThat(cm.restored).singleElement().isEqualTo(BASE); // the values it runs with, not DS's own properties
		assertThat(log.at("ERROR")).containsExactly(
				"Configuration mobilegt.tun rejected, keeping the previous one: mobilegt.tun: mtu=1300 was refused by the kernel: mtu mgt0 1300: Error: refused");
	}

	@Test
	void anInvalidValueIsRejectedBeforeAnythingIsTouched() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "mtu", 70000));

		assertThat(host.calls).isEmpty();
		assertThat(events.last().getProperty(ConfigVerdict.MESSAGE)).isEqualTo("mobilegt.tun: mtu=70000 must be between 576 and 65535");
		assertThat(registry.device().mtu()).isEqualTo(1400);
	}

	@Test
	void subnetChangeInstallsTheNewRouteBeforeRemovingTheOld() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "subnet", "10.78.0.0/16"));

		// the firewall is replaced in one step: never a moment without NAT or isolation
		assertThat(host.calls).containsExactly("route add 10.78.0.0/16 dev mgt0", "nat add 10.78.0.0/16 out of !mgt0",
				"route del 10.77.0.0/16 dev mgt0");
		assertThat(registry.device().subnet()).isEqualTo("10.78.0.0/16");
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET, "10.78.0.0/16");
		assertThat(driver.installed()).containsExactly("link mgt0 up", "route 10.78.0.0/16 dev mgt0",
				"net.ipv4.ip_forward=1 (was 0)", "nat 10.78.0.0/16 out of !mgt0");
	}

	@Test
	void aNatRestartKeepsTheRecordOfForwardingSoDeactivationTurnsItOff() {
		TunDriver driver = activate(BASE);
		modify(driver, with(BASE, "egress", "wan0"));
		host.calls.clear();
		driver.deactivate(Fakes.BUNDLE_STOPPED);

		assertThat(host.calls).containsExactly("nat del 10.77.0.0/16 out of wan0", "ip_forward 0", "route del 10.77.0.0/16 dev mgt0",
				"link down mgt0");
		assertThat(host.ipForward).isEqualTo("0");
	}

	@Test
	void natOffRemovesNatAndForwardingAndOnAgainRestoresThem() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "nat", false));

		assertThat(host.calls).containsExactly("nat add filter only", "ip_forward 0");
		assertThat(host.ipForward).isEqualTo("0");
		assertThat(driver.summary()).contains("NAT off");
		assertThat(driver.installed()).containsExactly("link mgt0 up", "route 10.77.0.0/16 dev mgt0", "nat filter only");

		host.calls.clear();
		modify(driver, BASE);
		assertThat(host.calls).containsExactly("ip_forward 1", "nat add 10.77.0.0/16 out of !mgt0");
		assertThat(driver.summary()).contains("NAT on");
	}

	@Test
	void aFailedStepTakesBackTheEarlierOnes() {
		TunDriver driver = activate(BASE);
		host.refuse.add("nat add 10.78.0.0/16 out of !mgt0");
		host.calls.clear();
		modify(driver, with(BASE, "mtu", 1300, "subnet", "10.78.0.0/16"));

		assertThat(host.calls).containsExactly("mtu mgt0 1300", "route add 10.78.0.0/16 dev mgt0",
				// taken back, last first
				"nat add 10.77.0.0/16 out of !mgt0", "route del 10.78.0.0/16 dev mgt0", "mtu mgt0 1400");
		assertThat(driver.installed()).containsExactly("link mgt0 up", "route 10.77.0.0/16 dev mgt0",
				"net.ipv4.ip_forward=1 (was 0)", "nat 10.77.0.0/16 out of !mgt0");
		assertThat(registry.device().mtu()).isEqualTo(1400);
		assertThat(registry.device().subnet()).isEqualTo("10.77.0.0/16");
		assertThat(events.last().getProperty(ConfigVerdict.MESSAGE)).isEqualTo("nat add 10.78.0.0/16 out of !mgt0: Error: refused");
		assertThat(cm.restored).containsExactly(BASE);

		// the driver still knows what it runs with: deactivation removes exactly that
		host.calls.clear();
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).containsExactly("nat del 10.77.0.0/16 out of !mgt0", "ip_forward 0", "route del 10.77.0.0/16 dev mgt0",
				"link down mgt0");
	}

	@Test
	void nameChangeReopensTheDevice() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "name", "mgt1"));

		assertThat(opened).extracting(t -> t.name + (t.closed ? " closed" : " open")).containsExactly("mgt0 closed", "mgt1 open");
		// forwarding stays on through the re-open
		assertThat(host.calls).containsExactly("nat del 10.77.0.0/16 out of !mgt0", "route del 10.77.0.0/16 dev mgt0",
				"link down mgt0", "link up mgt1 mtu 1400", "route add 10.77.0.0/16 dev mgt1", "nat add 10.77.0.0/16 out of !mgt1");
		assertThat(registry.registrations).hasSize(2);
		assertThat(registry.registrations.get(0).unregistered).isTrue();
		assertThat(registry.device().name()).isEqualTo("mgt1");
	}

	@Test
	void aReopenThatFailsGoesBackToThePreviousDevice() {
		TunDriver driver = activate(BASE);
		unopenable.add("mgtx");
		modify(driver, with(BASE, "name", "mgtx"));

		assertThat(opened).extracting(t -> t.name + (t.closed ? " closed" : " open")).containsExactly("mgt0 closed", "mgt0 open");
		assertThat(registry.device().name()).isEqualTo("mgt0");
		assertThat(driver.up()).isTrue();
		assertThat(events.last().getProperty(ConfigVerdict.MESSAGE))
				.isEqualTo("the name mgtx is in use by a non-TUN device; choose another name");
	}

	@Test
	void aDeviceThatCannotBeOpenedLeavesTheDriverActiveSayingWhy() {
		unopenable.add("mgt0");
		TunDriver driver = activate(BASE);

		assertThat(driver.up()).isFalse();
		assertThat(driver.error()).isEqualTo("the name mgt0 is in use by a non-TUN device; choose another name");
		assertThat(driver.summary()).isEqualTo("no TUN device: the name mgt0 is in use by a non-TUN device; choose another name");
		assertThat(registry.registrations).isEmpty();
		assertThat(host.calls).isEmpty();
		assertThat(log.at("ERROR")).containsExactly("TUN device not available: the name mgt0 is in use by a non-TUN device; choose another name");

		// fixing the configuration brings it up
		modify(driver, with(BASE, "name", "mgt1"));
		assertThat(driver.up()).isTrue();
		assertThat(driver.error()).isNull();
	}

	@Test
	void aFailingSetUpStepUndoesTheOthersAndClosesTheDevice() {
		host.refuse.add("nat add 10.77.0.0/16 out of !mgt0");
		TunDriver driver = activate(BASE);

		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0", "ip_forward 1",
				"ip_forward 0", "route del 10.77.0.0/16 dev mgt0", "link down mgt0");
		assertThat(opened.get(0).closed).isTrue();
		assertThat(opened.get(0).persist).isNull(); // a device created for this attempt goes with its last descriptor
		assertThat(registry.registrations).isEmpty();
		assertThat(driver.error()).isEqualTo("nat add 10.77.0.0/16 out of !mgt0: Error: refused");
	}

	@Test
	void anInvalidConfigurationAtActivationSaysWhich() {
		TunDriver driver = activate(with(BASE, "subnet", "10.77.0.1/16"));
		assertThat(driver.up()).isFalse();
		assertThat(driver.summary())
				.isEqualTo("no TUN device: mobilegt.tun: subnet=10.77.0.1/16 has host bits set; did you mean 10.77.0.0/16?");
		assertThat(opened).isEmpty();
	}

	@Test
	void persistFalseIsSetOnTheDevice() {
		activate(with(BASE, "persist", false, "queues", 2));
		assertThat(opened.get(0).persist).isFalse();
		assertThat(registry.device().queues()).isEqualTo(2);
	}

	@Test
	void anOffloadChangeReopensTheDeviceWithoutTouchingForwarding() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "offload", false));

		assertThat(opened).extracting(t -> t.offload).containsExactly(true, false);
		assertThat(host.calls).doesNotContain("ip_forward 0", "ip_forward 1");
		assertThat(registry.current().props()).containsEntry(TunDevice.OFFLOAD_HEADER, 0);
		assertThat(driver.installed()).contains("net.ipv4.ip_forward=1 (was 0)");
	}

	@Test
	void isolationSwitchesChangeLiveInOneStep() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "clientToClient", true, "allow", new String[] { "192.168.5.0/24" }, "deny",
				new String[] { "203.0.113.0/24" }));
		modify(driver, with(BASE, "isolation", false));

		assertThat(host.calls).containsExactly(
				"nat add 10.77.0.0/16 out of !mgt0 c2c allow [192.168.5.0/24] deny [203.0.113.0/24]",
				"nat add 10.77.0.0/16 out of !mgt0 open");
		assertThat(driver.summary()).contains("clients NOT isolated");
	}

	@Test
	void anInvalidAllowEntryIsRefusedAndTheOldRulesStay() {
		TunDriver driver = activate(BASE);
		host.calls.clear();
		modify(driver, with(BASE, "allow", new String[] { "192.168.5.0/24", "192.168.5.1/24" }));

		assertThat(host.calls).isEmpty();
		assertThat(events.last().getProperty(ConfigVerdict.MESSAGE))
				.isEqualTo("mobilegt.tun: allow=192.168.5.1/24 has host bits set; did you mean 192.168.5.0/24?");
		assertThat(cm.restored).containsExactly(BASE);
	}

	@Test
	void aForeignForwardChainWithPolicyDropIsReportedNamingIt() {
		host.blockers = List.of("ip filter FORWARD");
		TunDriver driver = activate(BASE);

		assertThat(driver.forwardBlockers()).containsExactly("ip filter FORWARD");
		assertThat(driver.summary()).endsWith("; WARNING: client traffic may be dropped by forward chain ip filter FORWARD (policy drop)");
		assertThat((String[]) registry.current().props().get(TunDevice.FORWARD_BLOCKERS)).containsExactly("ip filter FORWARD");
		assertThat(log.at("WARN")).containsExactly(
				"Client traffic from 10.77.0.0/16 may be dropped: forward chain ip filter FORWARD has policy drop; accept the client subnet there");

		host.blockers = List.of();
		driver.checkBlockers(); // what the periodic check does
		assertThat(driver.forwardBlockers()).isEmpty();
		assertThat((String[]) registry.current().props().get(TunDevice.FORWARD_BLOCKERS)).isEmpty();
		assertThat(driver.summary()).doesNotContain("WARNING");
	}

	// IPv6

	private static final Map<String, Object> DUAL = Map.of("name", "mgt0", "subnet", "10.77.0.0/16", "subnet6", "auto");

	@Test
	void withSubnet6TheDeviceGetsItsAddressForwardingAndNat66AndPublishesThePrefix() {
		TunDriver driver = activate(DUAL);

		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0",
				"address6 add fd12:3456:789a::/64 dev mgt0", "ip_forward 1", "ipv6 forwarding 1",
				"nat add 10.77.0.0/16 out of !mgt0 + fd12:3456:789a::/64 masq");
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, "fd12:3456:789a::/64");
		assertThat(driver.summary()).isEqualTo("mgt0 up, mtu 1400, 1 queue(s), subnet 10.77.0.0/16, subnet6 fd12:3456:789a::/64, "
				+ "NAT on, clients isolated, offloads on");
		assertThat(driver.installed()).containsExactly("link mgt0 up", "route 10.77.0.0/16 dev mgt0", "net.ipv4.ip_forward=1 (was 0)",
				"nat 10.77.0.0/16 out of !mgt0 + fd12:3456:789a::/64 masq", "address6 fd12:3456:789a::/64 dev mgt0",
				"net.ipv6.conf.all.forwarding=1 (was 0)");
		assertThat(log.at("INFO")).singleElement().asString().contains("address6 fd12:3456:789a::/64 dev mgt0");

		host.calls.clear();
		driver.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).containsExactly("nat del 10.77.0.0/16 out of !mgt0 + fd12:3456:789a::/64 masq", "ip_forward 0",
				"ipv6 forwarding 0", "address6 del fd12:3456:789a::/64 dev mgt0", "route del 10.77.0.0/16 dev mgt0", "link down mgt0");
	}

	@Test
	void withoutSubnet6ThePropertyIsEmptyAndNothingOfIpv6IsTouched() {
		activate(BASE);
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, "");
		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0", "ip_forward 1",
				"nat add 10.77.0.0/16 out of !mgt0");
	}

	@Test
	void routedServesThePrefixWithoutNat66() {
		TunDriver driver = activate(with(DUAL, "subnet6", "2001:db8:7::/64", "nat6", "routed"));
		assertThat(host.calls).contains("ipv6 forwarding 1", "nat add 10.77.0.0/16 out of !mgt0 + 2001:db8:7::/64 routed");
		assertThat(driver.summary()).contains("subnet6 2001:db8:7::/64, NAT on (IPv6 routed)");
	}

	@Test
	void subnet6ChangeAddsTheNewAddressBeforeRemovingTheOld() {
		TunDriver driver = activate(DUAL);
		host.calls.clear();
		modify(driver, with(DUAL, "subnet6", "2001:db8:7::/64"));

		assertThat(host.calls).containsExactly("address6 add 2001:db8:7::/64 dev mgt0",
				"nat add 10.77.0.0/16 out of !mgt0 + 2001:db8:7::/64 masq", "address6 del fd12:3456:789a::/64 dev mgt0");
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, "2001:db8:7::/64");
		assertThat(events.last().getTopic()).isEqualTo(ConfigVerdict.TOPIC_APPLIED);
	}

	@Test
	void subnet6TurnedOffLiveRemovesAddressAndIpv6ForwardingAndOnAgainRestoresThem() {
		TunDriver driver = activate(DUAL);
		host.calls.clear();
		modify(driver, with(DUAL, "subnet6", ""));
		assertThat(host.calls).containsExactly("nat add 10.77.0.0/16 out of !mgt0", "address6 del fd12:3456:789a::/64 dev mgt0",
				"ipv6 forwarding 0");
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, "");
		assertThat(host.ipv6Forwarding).isEqualTo("0");

		host.calls.clear();
		modify(driver, DUAL);
		assertThat(host.calls).containsExactly("address6 add fd12:3456:789a::/64 dev mgt0", "ipv6 forwarding 1",
				"nat add 10.77.0.0/16 out of !mgt0 + fd12:3456:789a::/64 masq");
	}

	@Test
	void aRefusedSubnet6KeepsTheOldPrefixEverywhere() {
		TunDriver driver = activate(DUAL);
		host.calls.clear();
		modify(driver, with(DUAL, "subnet6", "fe80::/64"));

		assertThat(host.calls).isEmpty();
		assertThat(events.last().getTopic()).isEqualTo(ConfigVerdict.TOPIC_REJECTED);
		assertThat(events.last().getProperty(ConfigVerdict.MESSAGE)).isEqualTo("mobilegt.tun: subnet6=fe80::/64 is not routable "
				+ "unicast (link-local or site-local): use a global (2000::/3) or unique local (fc00::/7) prefix");
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, "fd12:3456:789a::/64");
	}

	@Test
	void anAddressTheSystemRefusesLiveTakesBackTheStepsBeforeAndKeepsTheOldPrefix() {
		TunDriver driver = activate(DUAL);
		host.calls.clear();
		host.refuse.add("address6 add 2001:db8:7::/64 dev mgt0");
		modify(driver, with(DUAL, "subnet6", "2001:db8:7::/64", "mtu", 1300));

		assertThat(host.calls).containsExactly("mtu mgt0 1300", "mtu mgt0 1400");
		assertThat(events.last().getTopic()).isEqualTo(ConfigVerdict.TOPIC_REJECTED);
		assertThat(registry.current().props()).containsEntry(TunDevice.SUBNET6, "fd12:3456:789a::/64").containsEntry(TunDevice.MTU, 1400);
		assertThat(driver.installed()).contains("address6 fd12:3456:789a::/64 dev mgt0");
	}

	@Test
	void natOffLeavesIpv6ForwardingAloneAndAKilledRunsChangesAreRestored() {
		host.recorded6 = "0"; // a killed run turned it on
		host.ipv6Forwarding = "1";
		activate(with(DUAL, "nat", false));
		assertThat(host.calls).containsExactly("link up mgt0 mtu 1400", "route add 10.77.0.0/16 dev mgt0",
				"address6 add fd12:3456:789a::/64 dev mgt0", "ipv6 forwarding 0", "nat add filter only + fd12:3456:789a::/64 routed");
		assertThat(host.ipv6Forwarding).isEqualTo("0");
	}

	@Test
	void ipv6ForwardingThatMayNotBeTurnedOnIsAWarningAndTheDeviceRuns() {
		host.refuse.add("ipv6 forwarding 1");
		TunDriver driver = activate(DUAL);
		assertThat(driver.up()).isTrue();
		assertThat(log.at("WARN")).singleElement().asString().contains("net.ipv6.conf.all.forwarding is not 1",
				"sysctl -w net.ipv6.conf.all.forwarding=1");
	}

	@Test
	void addressesAnEarlierRunLeftOnTheDeviceGoButTheOneStillWanted() {
		host.addresses6.addAll(List.of("fd12:3456:789a::1/64", "2001:db8:9::1/64"));
		activate(DUAL);
		assertThat(host.calls).contains("address6 stale del 2001:db8:9::1/64").doesNotContain("address6 stale del fd12:3456:789a::1/64");
		host.addresses6.add("2001:db8:9::1/64");
		host.calls.clear();
		activate(with(BASE, "name", "mgt1"));
		assertThat(host.calls).contains("address6 stale del fd12:3456:789a::1/64", "address6 stale del 2001:db8:9::1/64");
	}

	@Test
	void aBundleUpdateHandsTheIpv6SideOverTooAndTheNextActivationPublishesSubnet6BeforeConfirmingTheAddress() {
		TunDriver driver = activate(DUAL);
		registry.updating();
		host.calls.clear();
		driver.deactivate(Fakes.BUNDLE_STOPPED);

		// the address and IPv6 forwarding stay, and so does the record of forwarding's original value
		assertThat(host.calls).isEmpty();
		assertThat(host.ipv6Forwarding).isEqualTo("1");
		assertThat(opened.get(0).handedOver).isTrue();

		List<Object> subnet6AtSetUp = new ArrayList<>();
		host.beforeLinkUp = () -> subnet6AtSetUp.add(registry.current() == null ? "not registered"
				: registry.current().props().get(TunDevice.SUBNET6));
		TunDriver next = activate(DUAL);
		assertThat(adopted).hasSize(1);
		assertThat(subnet6AtSetUp).as("registered before the set-up, with subnet6").containsExactly("fd12:3456:789a::/64");
		assertThat(host.calls).as("the address confirmed in place").containsExactly("link up mgt0 mtu 1400",
				"route add 10.77.0.0/16 dev mgt0", "address6 add fd12:3456:789a::/64 dev mgt0",
				"nat add 10.77.0.0/16 out of !mgt0 + fd12:3456:789a::/64 masq");
		assertThat(next.installed()).contains("address6 fd12:3456:789a::/64 dev mgt0", "net.ipv6.conf.all.forwarding=1 (was 0)");
		assertThat(next.summary()).contains("subnet6 fd12:3456:789a::/64");

		host.calls.clear();
		registry.stoppedByOperator();
		next.deactivate(Fakes.BUNDLE_STOPPED);
		assertThat(host.calls).contains("ipv6 forwarding 0", "address6 del fd12:3456:789a::/64 dev mgt0");
		assertThat(host.ipv6Forwarding).isEqualTo("0");
		assertThat(adopted.get(0).closed).isTrue();
	}
}
