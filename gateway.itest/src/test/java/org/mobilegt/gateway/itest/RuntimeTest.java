package org.mobilegt.gateway.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.capture.api.CaptureControl;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tun.api.TunStatus;
import org.mobilegt.gateway.tunnel.api.TunnelStats;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The assembled runtime: bundles, services and configuration descriptions. */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
class RuntimeTest {

	static final List<String> GATEWAY_BUNDLES = List.of("org.mobilegt.gateway.tun.driver",
			"org.mobilegt.gateway.auth.keycheck", "org.mobilegt.gateway.session.manager",
			"org.mobilegt.gateway.tunnel.udp", "org.mobilegt.gateway.capture.hook", "org.mobilegt.gateway.gateway.app");
	static final List<String> PIDS = List.of("mobilegt.tun", "mobilegt.tunnel", "mobilegt.auth", "mobilegt.sessions",
			"mobilegt.capture", "mobilegt.console");
	/** Without a terminal the gateway runs headless: the shell bundle stays resolved. */
	static final String SHELL = "org.apache.felix.gogo.jline";

	@InjectBundleContext
	BundleContext context;

	@Test
	void everyGatewayBundleIsActive() {
		Map<String, Integer> states = Arrays.stream(context.getBundles())
				.collect(Collectors.toMap(Bundle::getSymbolicName, Bundle::getState, (a, b) -> a));
		for (String bsn : GATEWAY_BUNDLES) {
			assertThat(states.get(bsn)).as(bsn).isEqualTo(Bundle.ACTIVE);
		}
	}

	@Test
	void everyRuntimeBundleIsActiveButTheHeadlessShell() {
		for (Bundle b : context.getBundles()) {
			if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null && !SHELL.equals(b.getSymbolicName())) {
				assertThat(b.getState()).as(b.getSymbolicName()).isEqualTo(Bundle.ACTIVE);
			}
		}
	}

	@Test
	void apiServicesAreRegistered(@InjectService(timeout = 5000) KeyCheck keyCheck,
			@InjectService(timeout = 5000) SessionManager sessions, @InjectService(timeout = 5000) TunnelStats tunnel,
			@InjectService(timeout = 5000) CaptureControl capture, @InjectService(timeout = 5000) TunStatus tun,
			@InjectService(timeout = 5000) SecurityLog attempts) {
		assertThat(keyCheck.keyConfigured()).as("key from the test configuration").isTrue();
		assertThat(attempts.illegalAttempts(10)).as("the security log is its own service").isNotNull();
		assertThat(sessions.sessions()).isEmpty();
		assertThat(tunnel.socketStatus()).startsWith("listening on [::]:");
		assertThat(capture.status()).contains("mode off");
		assertThat(tun.summary()).isNotBlank();
	}

	@Test
	void theTunDeviceIsUpInsideTheTestNamespace(@InjectService(timeout = 5000) TunStatus status,
			@InjectService(timeout = 5000) TunDevice tun, @InjectService(timeout = 5000) TunnelStats tunnel) {
		assumeTrue("fresh".equals(System.getenv("MGT_NETNS")),
				"SKIPPED: not root, so the framework runs outside a fresh network namespace and opens no TUN device");
		assertThat(status.up()).as(status.summary()).isTrue();
		assertThat(tun.name()).isEqualTo("mgt0");
		assertThat(tun.mtu()).isEqualTo(1400);
		assertThat(tun.subnet()).isEqualTo("10.77.0.0/16");
		assertThat(status.installed()).anyMatch(i -> i.startsWith("route 10.77.0.0/16 dev mgt0"));
		assertThat(tunnel.serving()).isTrue();
	}

	@Test
	void everyConfigurationPidIsDescribedByMetatype(@InjectService(timeout = 5000) MetaTypeService metaType) {
		for (String pid : PIDS) {
			ObjectClassDefinition ocd = Arrays.stream(context.getBundles()).map(metaType::getMetaTypeInformation)
					.filter(i -> i != null && Arrays.asList(i.getPids()).contains(pid)).findFirst()
					.map((MetaTypeInformation i) -> i.getObjectClassDefinition(pid, null)).orElse(null);
			assertThat(ocd).as(pid).isNotNull();
			assertThat(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)).as(pid + " attributes").isNotEmpty();
		}
	}

	@Test
	void theVpnPageIsAWebConsolePlugin() throws InvalidSyntaxException {
		// by class name: the test bundle need not import the servlet API for one lookup
		assertThat(context.getServiceReferences("jakarta.servlet.Servlet",
				"(&(felix.webconsole.label=vpn)(felix.webconsole.title=VPN))")).as("the VPN page").hasSize(1);
	}
}
