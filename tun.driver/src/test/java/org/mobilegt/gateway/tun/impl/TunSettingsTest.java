package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.IpPrefix;

class TunSettingsTest {

	private static TunSettings settings(String key, Object value) {
		Map<String, Object> values = new HashMap<>();
		values.put(key, value);
		return TunSettings.of(Fakes.config(values), Fakes.ULA);
	}

	private static void rejected(String key, Object value, String message) {
		assertThatThrownBy(() -> settings(key, value)).isInstanceOf(ConfigValueException.class)
				.hasMessage(message)
				.satisfies(e -> assertThat(((ConfigValueException) e).key()).isEqualTo(key))
				.satisfies(e -> assertThat(((ConfigValueException) e).pid()).isEqualTo("mobilegt.tun"));
	}

	private static final String ULA = Fakes.ULA_PREFIX;
	private static final Isolation I = new Isolation(true, List.of(), List.of(), false, List.of("8.8.8.8"));

	@Test
	void defaultsAreValid() {
		TunSettings s = TunSettings.of(Fakes.config(Map.of()), Fakes.ULA);
		assertThat(s).isEqualTo(new TunSettings("mgt0", 1400, "10.77.0.0/16", true, "auto", true, 1, "/dev/net/tun", true, I, ULA, "masquerade"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "m", "mgt0", "mgt.0", "mgt-0", "mgt_0", "abcdefghijklmno" })
	void acceptsInterfaceNames(String name) {
		assertThat(settings("name", name).name()).isEqualTo(name);
	}

	@ParameterizedTest
	@ValueSource(strings = { "abcdefghijklmnop", "mgt/0", "mgt:0", "mgt 0", " mgt0", "mgtä", ".", "..", "" })
	void rejectsBadNames(String name) {
		rejected("name", name, "mobilegt.tun: name=" + name + " must be 1-15 characters of letters, digits, '-', '_', '.'");
	}

	@Test
	void rejectsNullName() {
		rejected("name", null, "mobilegt.tun: name=null must be 1-15 characters of letters, digits, '-', '_', '.'");
	}

	@ParameterizedTest
	@ValueSource(ints = { 576, 1280, 1400, 65535 })
	void acceptsMtus(int mtu) {
		assertThat(settings("mtu", mtu).mtu()).isEqualTo(mtu);
	}

	@ParameterizedTest
	@ValueSource(ints = { -1, 0, 68, 575, 65536, Integer.MAX_VALUE })
	void rejectsMtusOutOfBounds(int mtu) {
		rejected("mtu", mtu, "mobilegt.tun: mtu=" + mtu + " must be between 576 and 65535");
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.77.0.0/16", "10.0.0.0/8", "192.168.7.0/24", "10.1.2.4/30", "172.16.0.0/12" })
	void acceptsNetworks(String subnet) {
		assertThat(settings("subnet", subnet).subnet()).isEqualTo(subnet);
	}

	@Test
	void trimsTheSubnet() {
		assertThat(settings("subnet", " 10.77.0.0/16 ").subnet()).isEqualTo("10.77.0.0/16");
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.77.0.0", "10.77.0.0/", "10.77.0.0/33", "10.77.0/16", "300.1.0.0/16", "mgt0", "10.77.0.0/x",
			"::1/64", "2001:db8::/64", "010.77.0.0/16", "10.77.0.0/016", "10.77.0.0/16/16" })
	void rejectsWhatIsNotCidr(String subnet) {
		rejected("subnet", subnet, "mobilegt.tun: subnet=" + subnet + " must be an IPv4 subnet in CIDR notation, e.g. 10.77.0.0/16");
	}

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { "  " })
	void rejectsAMissingSubnet(String subnet) {
		rejected("subnet", subnet, "mobilegt.tun: subnet=" + subnet + " must be an IPv4 subnet in CIDR notation, e.g. 10.77.0.0/16");
	}

	@Test
	void suggestsTheNetworkWhenHostBitsAreSet() {
		rejected("subnet", "10.77.0.5/16", "mobilegt.tun: subnet=10.77.0.5/16 has host bits set; did you mean 10.77.0.0/16?");
		rejected("subnet", "10.99.0.1/24", "mobilegt.tun: subnet=10.99.0.1/24 has host bits set; did you mean 10.99.0.0/24?");
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.0.0.0/31", "10.0.0.0/32" })
	void rejectsSubnetsWithoutRoomForClients(String subnet) {
		rejected("subnet", subnet, "mobilegt.tun: subnet=" + subnet + " is too small: a prefix of at most /30 is needed for clients");
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.0.0.0/7", "0.0.0.0/0" })
	void rejectsSubnetsLargerThanSlash8(String subnet) {
		rejected("subnet", subnet, "mobilegt.tun: subnet=" + subnet + " is too large: use a prefix of at least /8");
	}

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { "  " })
	void missingEgressMeansAuto(String egress) {
		assertThat(settings("egress", egress).egress()).isEqualTo("auto");
	}

	@Test
	void egressIsAnInterfaceName() {
		assertThat(settings("egress", " eth0 ").egress()).isEqualTo("eth0");
		assertThat(settings("egress", "wan.10").egress()).isEqualTo("wan.10");
	}

	@ParameterizedTest
	@ValueSource(strings = { "eth 0", "eth/0", "abcdefghijklmnop" })
	void rejectsBadEgress(String egress) {
		rejected("egress", egress, "mobilegt.tun: egress=" + egress + " must be 'auto' or an interface name");
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 16 })
	void acceptsQueues(int queues) {
		assertThat(settings("queues", queues).queues()).isEqualTo(queues);
	}

	@ParameterizedTest
	@ValueSource(ints = { -1, 0, 17 })
	void rejectsQueuesOutOfBounds(int queues) {
		rejected("queues", queues, "mobilegt.tun: queues=" + queues + " must be between 1 and 16");
	}

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { " " })
	void rejectsAMissingClonePath(String device) {
		rejected("device", device, "mobilegt.tun: device=" + device + " must be the path of the TUN clone device");
	}

	@Test
	void sameDeviceOnlyWhenNothingNeedsAReopen() {
		TunSettings s = new TunSettings("mgt0", 1400, "10.77.0.0/16", true, "auto", true, 1, "/dev/net/tun", false, I, ULA, "masquerade");
		assertThat(s.sameDevice(new TunSettings("mgt0", 1300, "10.78.0.0/16", false, "eth0", true, 1, "/dev/net/tun", false, I, ULA, "masquerade"))).isTrue();
		assertThat(s.sameDevice(new TunSettings("mgt1", 1400, "10.77.0.0/16", true, "auto", true, 1, "/dev/net/tun", false, I, ULA, "masquerade"))).isFalse();
		assertThat(s.sameDevice(new TunSettings("mgt0", 1400, "10.77.0.0/16", true, "auto", false, 1, "/dev/net/tun", false, I, ULA, "masquerade"))).isFalse();
		assertThat(s.sameDevice(new TunSettings("mgt0", 1400, "10.77.0.0/16", true, "auto", true, 2, "/dev/net/tun", false, I, ULA, "masquerade"))).isFalse();
		assertThat(s.sameDevice(new TunSettings("mgt0", 1400, "10.77.0.0/16", true, "auto", true, 1, "/dev/tun", false, I, ULA, "masquerade"))).isFalse();
		assertThat(s.sameDevice(new TunSettings("mgt0", 1400, "10.77.0.0/16", true, "auto", true, 1, "/dev/net/tun", true, I, ULA, "masquerade"))).isFalse();
	}

	@Test
	void isolationListsAreKeptInCanonicalForm() {
		assertThat(settings("allow", new String[] { " 192.168.7.0/24", "10.1.2.3", "" }).isolation().allow())
				.containsExactly("192.168.7.0/24", "10.1.2.3/32");
		assertThat(settings("deny", new String[] { "203.0.113.0/24" }).isolation().deny()).containsExactly("203.0.113.0/24");
		assertThat(settings("dns", new String[] { "192.168.1.1", "8.8.4.4" }).isolation().dns()).containsExactly("192.168.1.1", "8.8.4.4");
	}

	@ParameterizedTest
	@ValueSource(strings = { "allow", "deny" })
	void rejectsWhatIsNotACidr(String key) {
		String rule = " is not a network in CIDR notation (e.g. 192.168.1.0/24, 192.168.1.7 or 2001:db8::/32)";
		rejected(key, new String[] { "10.0.0.0/8", "10.0.0.0/33" }, "mobilegt.tun: " + key + "=10.0.0.0/33" + rule);
		rejected(key, new String[] { "256.1.1.1" }, "mobilegt.tun: " + key + "=256.1.1.1" + rule);
		rejected(key, new String[] { "1.2.3.4/24\"; drop" }, "mobilegt.tun: " + key + "=1.2.3.4/24\"; drop" + rule);
		rejected(key, new String[] { "2001:db8::/129" }, "mobilegt.tun: " + key + "=2001:db8::/129" + rule);
		rejected(key, new String[] { "fe80::1%eth0" }, "mobilegt.tun: " + key + "=fe80::1%eth0" + rule);
		rejected(key, new String[] { "192.168.1.7/24" }, "mobilegt.tun: " + key
				+ "=192.168.1.7/24 has host bits set; did you mean 192.168.1.0/24?");
		rejected(key, new String[] { "2001:db8::1/32" }, "mobilegt.tun: " + key
				+ "=2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?");
	}

	@ParameterizedTest
	@ValueSource(strings = { "allow", "deny" })
	void acceptsIpv6NetworksAndAddressesInCanonicalForm(String key) {
		TunSettings s = settings(key, new String[] { "2001:DB8:0::/32", "2001:db8:0:0:0:0:0:7", "192.168.5.0/24" });
		assertThat(key.equals("allow") ? s.isolation().allow() : s.isolation().deny())
				.containsExactly("2001:db8::/32", "2001:db8::7/128", "192.168.5.0/24");
	}

	@ParameterizedTest
	@ValueSource(strings = { "8.8.8.0/24", "dns.google", "8.8.8", "08.8.8.8", "2001:4860::/32", "fe80::1%eth0" })
	void rejectsADnsServerThatIsNotAnAddress(String dns) {
		rejected("dns", new String[] { dns }, "mobilegt.tun: dns=" + dns
				+ " is not an IP address (e.g. 8.8.8.8 or 2001:4860:4860::8888)");
	}

	@Test
	void dnsServersOfBothFamilies() {
		assertThat(settings("dns", new String[] { "8.8.8.8", "2001:4860:4860:0:0:0:0:8888" }).isolation().dns())
				.containsExactly("8.8.8.8", "2001:4860:4860::8888");
	}

	@Test
	void isolationChangesTheFirewallButNotTheDevice() {
		TunSettings on = settings("isolation", true);
		TunSettings off = settings("isolation", false);
		assertThat(on.sameDevice(off)).isTrue();
		assertThat(on.firewall()).isNotEqualTo(off.firewall());
		assertThat(on.firewall().egress()).as("egress=auto: any interface but the TUN").isNull();
	}

	@Test
	void subnet6AutoIsTheKeptUlaAndEmptyTurnsIpv6Off() {
		assertThat(settings("subnet6", "auto").subnet6()).isEqualTo(ULA);
		assertThat(settings("subnet6", " auto ").ipv6()).isTrue();
		assertThat(settings("subnet6", "").ipv6()).isFalse();
		assertThat(settings("subnet6", "").firewall().subnet6()).isNull();
		assertThat(settings("subnet6", null).subnet6()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "2001:db8:1:2::/64", "2001:DB8:1:2:0::/64", "fd00:1::/126", "fc00:1::/96", "2a00:1::/80" })
	void subnet6TakesGlobalOrUniqueLocalPrefixesOf64To126(String prefix) {
		assertThat(settings("subnet6", prefix).subnet6()).isEqualTo(IpPrefix.parse(prefix.toLowerCase()).toString());
	}

	@Test
	void subnet6IsCanonical() {
		assertThat(settings("subnet6", " 2001:DB8:0001:0002:0000::/64 ").subnet6()).isEqualTo("2001:db8:1:2::/64");
	}

	@ParameterizedTest
	@ValueSource(strings = { "2001:db8::/63", "2001:db8::/48", "2001:db8::/127", "2001:db8::/128", "10.77.0.0/16", "garbage",
			"2001:db8::", "fe80::1%eth0/64", "2001:db8::/64; drop" })
	void subnet6OfTheWrongFormOrLengthIsRefused(String prefix) {
		rejected("subnet6", prefix, "mobilegt.tun: subnet6=" + prefix + " must be an IPv6 prefix of /64 to /126, "
				+ "e.g. fd12:3456:789a::/64, 'auto' or empty (no IPv6)");
	}

	@Test
	void subnet6WithHostBitsNamesTheNetworkMeant() {
		rejected("subnet6", "2001:db8::1/64", "mobilegt.tun: subnet6=2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?");
	}

	@ParameterizedTest
	@CsvSource(delimiter = ';', value = { "fe80::/64;link-local or site-local", "fec0::/64;link-local or site-local",
			"ff02::/64;multicast", "::/64;loopback, v4-mapped or reserved", "::ffff:0:0/96;loopback, v4-mapped or reserved",
			"100::/64;reserved", "4000::/64;reserved" })
	void subnet6ThatNoRouterForwardsIsRefused(String prefix, String kind) {
		rejected("subnet6", prefix, "mobilegt.tun: subnet6=" + prefix + " is not routable unicast (" + kind
				+ "): use a global (2000::/3) or unique local (fc00::/7) prefix");
	}

	@Test
	void nat6IsMasqueradeOrRouted() {
		assertThat(settings("nat6", "routed").firewall().masquerade6()).isFalse();
		assertThat(settings("nat6", "masquerade").firewall().masquerade6()).isTrue();
		assertThat(settings("nat6", "").nat6()).isEqualTo("masquerade");
		rejected("nat6", "nat66", "mobilegt.tun: nat6=nat66 must be 'masquerade' or 'routed'");
	}

	@Test
	void subnet6ThatCannotBeKeptIsRefusedNamingTheFile() throws Exception {
		java.nio.file.Path conf = java.nio.file.Files.createTempDirectory("mgt-conf");
		java.nio.file.Files.writeString(conf.resolve(UlaPrefix.FILE), "fd12::/48\n");
		UlaPrefix broken = new UlaPrefix(conf.resolve(UlaPrefix.FILE), new java.security.SecureRandom(), m -> { });
		assertThatThrownBy(() -> TunSettings.of(Fakes.config(Map.of()), broken)).isInstanceOf(ConfigValueException.class)
				.hasMessageStartingWith("mobilegt.tun: subnet6=auto cannot be kept: " + conf.resolve(UlaPrefix.FILE) + " holds 'fd12::/48'");
	}
}
