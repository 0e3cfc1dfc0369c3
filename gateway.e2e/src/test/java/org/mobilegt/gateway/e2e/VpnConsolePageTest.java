package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.json.Json;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The Web Console's VPN page in headless Chromium: two live clients (one whose id is HTML),
 * shown as text and refreshed without reloading; Kick from the page; the JSON endpoints'
 * authentication, GET-never-kicks and CSRF defence; the Configuration page's forms for our PIDs.
 * Screenshots go to the test's working directory (target/e2e/VpnConsolePageTest/page/).
 */
@RequiresRoot
class VpnConsolePageTest {

	private static final String KEY = "s3cret";
	private static final String USER = "operator";
	private static final String PASSWORD = "e2e-Console-pw";
	private static final String ALICE = "phone-alice";
	/** Client ids are whatever a client sends: markup must be shown as text, never run. */
	private static final String EVIL = "<img src=x onerror=alert(1)>";
	/** Refused by the allow-list, so the illegal-attempt log carries it. */
	private static final String INTRUDER = "<script>alert(2)</script>";
	private static final String VPN = "/system/console/vpn";
	private static final Map<String, String> CSRF = Map.of("X-Requested-With", "XMLHttpRequest");
	private static final Duration UI_WAIT = Duration.ofSeconds(20);
	private static final By SESSION_ROWS = By.cssSelector("#mgt-sessions tbody tr.mgt-session");

	@Test
	void operatorWatchesSessionsAndKicksOneFromTheBrowser() {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "VpnConsolePageTest/page")
						.conf("mobilegt.auth", Map.of("key", KEY, "clientIds", ALICE + "," + EVIL))
						.conf("mobilegt.console", Map.of("username", USER, "password", PASSWORD)).interactive().start()) {
			InetSocketAddress server = gw.awaitTunnel(Duration.ofSeconds(60));
			gw.awaitConsole(Duration.ofSeconds(30));
			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient evil = ToyVpnClient.open(t.phone(), server);
					Traffic traffic = new Traffic(t.inetAddress());
					LoopbackForwarder console = LoopbackForwarder.start(t.gw(), gw.consolePort());
					Browser browser = Browser.start(gw.workDir().resolve("chromedriver.log"))) {
				traffic.add(alice, alice.handshake(KEY, ALICE));
				traffic.add(evil, evil.handshake(KEY, EVIL));
				try (ToyVpnClient intruder = ToyVpnClient.open(t.phone(), server)) {
					assertThat(intruder.tryHandshake(KEY, INTRUDER, 1, Duration.ofSeconds(1))).as("not allowed").isEmpty();
				}
				long evilSession = sessionId(gw, EVIL);

				endpointsRefuseWhatTheyMust(gw, evilSession);

				browser.basicAuth(USER, PASSWORD);
				browser.recordAlerts();
				WebDriver page = browser.driver();
				page.get(console.url(VPN));
				browser.await(UI_WAIT).until(d -> d.findElements(SESSION_ROWS).size() == 2);
				assertThat(clientCells(page)).containsExactlyInAnyOrder(ALICE, EVIL);
				assertNothingInjected(browser);
				assertThat(texts(page, "#mgt-illegal td.mgt-detail-cell")).as("illegal attempts")
						.contains("client id not allowed: " + INTRUDER);
				assertThat(page.findElement(By.id("mgt-status")).getText()).contains("TUN OK", "Socket OK", "Key OK");
				assertThat(page.findElement(By.id("mgt-pool")).getText()).contains("10.77.0.0/16", "2 used");
				// the page refreshes itself: the 10 s rate climbs to the pings' 4 packets/s (2 clients, 2 pings/s each)
				// and the chart draws it, without a reload
				browser.await(UI_WAIT).until(d -> Double.parseDouble(texts(d, "#mgt-totals tbody tr:first-child > *").get(3)) >= 3
						&& d.findElements(By.cssSelector("#mgt-chart polyline")).size() == 2);
				browser.screenshot(gw.workDir().resolve("vpn-page.png"));

				traffic.remove(evil);
				WebElement row = rowOf(page, EVIL);
				row.findElement(By.cssSelector("input.mgt-ban")).sendKeys("1");
				row.findElement(By.cssSelector("button.mgt-kick")).click();
				Alert confirm = browser.await(UI_WAIT).until(ExpectedConditions.alertIsPresent());
				assertThat(confirm.getText()).contains("Kick session " + evilSession, EVIL, "ban it for 1 min");
				confirm.accept();
				browser.await(UI_WAIT).until(d -> d.findElements(SESSION_ROWS).size() == 1);
				assertThat(clientCells(page)).containsExactly(ALICE);
				assertThat(page.findElement(By.id("mgt-message")).getText()).contains("kicked session " + evilSession,
						"banned for 1 min");
				assertNothingInjected(browser);
				browser.screenshot(gw.workDir().resolve("vpn-after-kick.png"));

				String clients = gw.gogo("vpn:clients --json");
				assertThat(clients).contains(ALICE).doesNotContain("onerror");
				assertThat(clientIds(gw)).containsExactly(ALICE);
				assertThat(evil.tryHandshake(KEY, EVIL, 1, Duration.ofSeconds(1))).as("banned for a minute").isEmpty();
				assertThat(gw.log()).anyMatch(l -> l.contains("Operator kicked session " + evilSession));

				configurationPageDescribesOurPids(browser, console, gw.workDir());
				E2e.log("console pages checked; " + console.connections() + " connections through the forwarder");
			}
		}
	}

	/** Authentication first, GET never changes state, and a state change needs the CSRF header and our origin. */
	private static void endpointsRefuseWhatTheyMust(Gateway gw, long session) {
		String kick = "session=" + session;
		assertThat(gw.http(VPN + "/data.json", null, null).status()).as("no credentials").isEqualTo(401);
		assertThat(gw.http(VPN + "/data.json", "admin", "admin").status()).as("admin/admin").isEqualTo(401);
		assertThat(gw.http("POST", VPN + "/kick", "admin", "admin", CSRF, kick).status()).as("kick as admin/admin")
				.isEqualTo(401);

		Http.Response data = gw.http(VPN + "/data.json", USER, PASSWORD);
		assertThat(data.status()).isEqualTo(200);
		assertThat(data.contentType()).startsWith("application/json");

		Http.Response get = gw.http("GET", VPN + "/kick?" + kick, USER, PASSWORD, CSRF, null);
		assertThat(get.status()).as("GET kick").isEqualTo(405);
		assertThat(get.body()).contains("\"error\"", "POST only");

		Http.Response noHeader = gw.http("POST", VPN + "/kick", USER, PASSWORD, Map.of(), kick);
		assertThat(noHeader.status()).as("POST without X-Requested-With").isEqualTo(403);
		assertThat(noHeader.body()).contains("\"error\"", "X-Requested-With");

		Http.Response foreign = gw.http("POST", VPN + "/kick", USER, PASSWORD,
				Map.of("X-Requested-With", "XMLHttpRequest", "Origin", "http://evil.example"), kick);
		assertThat(foreign.status()).as("POST from another origin").isEqualTo(403);
		assertThat(foreign.body()).contains("evil.example");

		assertThat(gw.http("POST", VPN + "/kick", USER, PASSWORD, CSRF, "session=abc").status()).isEqualTo(400);
		assertThat(gw.http("POST", VPN + "/kick", USER, PASSWORD, CSRF, "session=" + session + "&ban=-1").status())
				.isEqualTo(400);
		Http.Response unknown = gw.http("POST", VPN + "/kick", USER, PASSWORD, CSRF, "session=987654321");
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(unknown.body()).contains("no session 987654321");

		assertThat(clientIds(gw)).as("nothing above kicked anyone").containsExactlyInAnyOrder(ALICE, EVIL);
	}

	/** Every PID on the Configuration page by its Metatype name; the shared key in a password field. */
	private static void configurationPageDescribesOurPids(Browser browser, LoopbackForwarder console, Path screenshots) {
		WebDriver page = browser.driver();
		page.get(console.url("/system/console/configMgr"));
		List<String> names = List.of("mobilegt TUN device", "mobilegt UDP tunnel", "mobilegt authentication",
				"mobilegt sessions", "mobilegt capture", "mobilegt operator console");
		browser.await(UI_WAIT).until(d -> names.stream().allMatch(n -> d.findElement(By.tagName("body")).getText().contains(n)));

		page.get(console.url("/system/console/configMgr/mobilegt.auth"));
		WebElement key = browser.await(UI_WAIT)
				.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("input[type=password][name=key]")));
		assertThat(key.getDomProperty("value")).as("the secret is never sent to the page").isNotEqualTo(KEY);
		String dialog = page.findElement(By.cssSelector(".ui-dialog")).getText();
		assertThat(dialog).contains("mobilegt authentication", "Shared key", "The secret clients send");
		browser.screenshot(screenshots.resolve("config-auth.png"));
	}

	private static void assertNothingInjected(Browser browser) {
		WebDriver page = browser.driver();
		assertThat(page.findElements(By.cssSelector("#mgt-vpn img, #mgt-vpn table script")))
				.as("elements injected by a client id").isEmpty();
		assertThatThrownBy(() -> page.switchTo().alert()).as("an alert").isInstanceOf(NoAlertPresentException.class);
		assertThat((List<?>) browser.driver().executeScript("return window.mgtAlerts;")).as("alerts run by injected script")
				.isEmpty();
	}

	private static List<String> clientCells(WebDriver page) {
		return texts(page, "#mgt-sessions tbody td.mgt-client");
	}

	/** The text of every element matching {@code css}, read at once (the page replaces some rows on each refresh). */
	@SuppressWarnings("unchecked")
	private static List<String> texts(WebDriver page, String css) {
		return (List<String>) ((JavascriptExecutor) page)
				.executeScript("return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);", css);
	}

	private static WebElement rowOf(WebDriver page, String clientId) {
		return page.findElements(SESSION_ROWS).stream()
				.filter(tr -> clientId.equals(tr.findElement(By.cssSelector("td.mgt-client")).getDomProperty("textContent")))
				.findFirst().orElseThrow(() -> new AssertionError("no row for client " + clientId));
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> clients(Gateway gw) {
		Http.Response r = gw.http(VPN + "/data.json", USER, PASSWORD);
		assertThat(r.status()).as(r.body()).isEqualTo(200);
		Map<String, Object> data = new Json().toType(r.body(), Json.MAP_TYPE);
		return (List<Map<String, Object>>) data.get("clients");
	}

	private static List<String> clientIds(Gateway gw) {
		return clients(gw).stream().map(c -> (String) c.get("clientId")).toList();
	}

	private static long sessionId(Gateway gw, String clientId) {
		return clients(gw).stream().filter(c -> clientId.equals(c.get("clientId"))).map(c -> ((Number) c.get("id")).longValue())
				.findFirst().orElseThrow(() -> new AssertionError("no session of " + clientId));
	}

	/** Pings through the tunnel twice a second per client, and a keepalive every 5 s, so counters and the chart move. */
	private static final class Traffic implements AutoCloseable {

		private record Client(ToyVpnClient client, Parameters parameters) {
		}

		private final String target;
		private final List<Client> clients = new CopyOnWriteArrayList<>();
		private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread th = new Thread(r, "e2e traffic");
			th.setDaemon(true);
			return th;
		});
		private final AtomicInteger seq = new AtomicInteger();
		private final byte[] payload = "mobilegt console e2e ".repeat(48).getBytes(StandardCharsets.US_ASCII);

		Traffic(String target) {
			this.target = target;
			timer.scheduleAtFixedRate(this::ping, 0, 500, TimeUnit.MILLISECONDS);
			timer.scheduleAtFixedRate(() -> clients.forEach(c -> c.client().keepalive()), 5, 5, TimeUnit.SECONDS);
		}

		void add(ToyVpnClient client, Parameters parameters) {
			clients.add(new Client(client, parameters));
		}

		void remove(ToyVpnClient client) {
			clients.removeIf(c -> c.client() == client);
		}

		private void ping() {
			int n = seq.incrementAndGet() & 0xffff;
			for (Client c : clients) {
				c.client().send(Packets.icmpEchoRequest(c.parameters().address(), target, 7, n, payload));
				c.client().poll(Duration.ZERO); // the replies are not the point: keep the queue short
			}
		}

		@Override
		public void close() {
			timer.shutdownNow();
		}
	}
}
