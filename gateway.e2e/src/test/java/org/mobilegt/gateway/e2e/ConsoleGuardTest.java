package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import com.sun.net.httpserver.HttpServer;

/**
 * One guard for every state-changing request under {@code /system/console}, tried as an attacker
 * would: a forged cross-origin form post from a page the operator opens (headless Chromium sending
 * the operator's credentials, as a browser with cached Basic credentials does), a POST with a
 * foreign {@code Origin}, a GET carrying {@code post=}: each refused with 403, the configuration
 * file byte for byte as it was. And the operator's own edit on the Configuration page still works.
 */
@RequiresRoot
class ConsoleGuardTest {

	static final String USER = "operator";
	static final String PASSWORD = "e2e-Guard-pw";
	static final Map<String, String> XHR = Map.of("X-Requested-With", "XMLHttpRequest");
	private static final String PID = "mobilegt.tunnel";
	private static final String CONFIG = "/system/console/configMgr/" + PID;
	private static final String FORGED = "apply=true&action=ajaxConfigManager&propertylist=replyRepeats&replyRepeats=7";
	private static final Duration UI_WAIT = Duration.ofSeconds(20);

	@Test
	void forgedRequestsAreRefusedAndTheOperatorsOwnEditWorks() throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "ConsoleGuardTest/guard").conf("mobilegt.auth", Map.of("key", Scenarios.KEY))
						.conf("mobilegt.console", Map.of("username", USER, "password", PASSWORD)).interactive().start()) {
			gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			Path file = gw.workDir().resolve("conf").resolve(PID + ".cfg");
			byte[] before = Files.readAllBytes(file);

			Http.Response evil = gw.http("POST", CONFIG, USER, PASSWORD, Map.of("Origin", "http://evil.example"), FORGED);
			assertThat(evil.status()).as("POST with a foreign Origin: %s", evil.body()).isEqualTo(403);
			assertThat(evil.body()).contains("cross-origin request refused", "evil.example");

			Http.Response bare = gw.http("POST", CONFIG, USER, PASSWORD, Map.of(), FORGED);
			assertThat(bare.status()).as("POST without Origin nor X-Requested-With: %s", bare.body()).isEqualTo(403);
			assertThat(bare.body()).contains("X-Requested-With");

			Http.Response viaGet = gw.http("GET", CONFIG + "?post=true&" + FORGED, USER, PASSWORD, Map.of(), null);
			assertThat(viaGet.status()).as("GET with post=: %s", viaGet.body()).isEqualTo(403);

			Http.Response delete = gw.http("DELETE", CONFIG, USER, PASSWORD, Map.of(), null);
			assertThat(delete.status()).as("DELETE: %s", delete.body()).isEqualTo(403);

			long bundle = gw.bundles().get("org.mobilegt.gateway.capture.hook").id();
			Http.Response stop = gw.http("POST", "/system/console/bundles/" + bundle, USER, PASSWORD,
					Map.of("Origin", "http://evil.example"), "action=stop");
			assertThat(stop.status()).as("stopping a bundle from another origin").isEqualTo(403);
			assertThat(gw.bundles().get("org.mobilegt.gateway.capture.hook").state()).isEqualTo("Active");

			Sleep.millis(1000); // a write, had one been let through, is asynchronous
			assertThat(Files.readAllBytes(file)).as("conf/%s.cfg after the refused requests", PID).isEqualTo(before);
			assertThat(gw.gogo("vpn:config " + PID)).containsPattern("replyRepeats\\s+\\*?\\s*3\\b");

			try (LoopbackForwarder console = LoopbackForwarder.start(t.gw(), gw.consolePort());
					AttackerSite attacker = new AttackerSite(console.url(CONFIG));
					Browser browser = Browser.start(gw.workDir().resolve("chromedriver.log"))) {
				browser.basicAuth(USER, PASSWORD);
				WebDriver page = browser.driver();

				// a page on another origin posts a form to the console, the browser adds the credentials
				page.get("http://127.0.0.1:" + attacker.port() + "/");
				browser.await(UI_WAIT).until(d -> d.getPageSource().contains("refused"));
				assertThat(page.getPageSource()).contains("refused", "Origin");
				browser.screenshot(gw.workDir().resolve("forged-post.png"));
				Sleep.millis(1000);
				assertThat(Files.readAllBytes(file)).as("conf/%s.cfg after the forged form post", PID).isEqualTo(before);

				// the operator edits the same value on the Configuration page: it reaches the file
				editOnConfigurationPage(browser, console.url(CONFIG), "replyRepeats", "5");
				awaitFile(file, "replyRepeats=5");
				assertThat(gw.gogo("vpn:config " + PID)).containsPattern("replyRepeats\\s+\\*?\\s*5\\b");
			}
		}
	}

	/** Opens the PID's editor dialog, types {@code value} into {@code key}'s field and saves. */
	static void editOnConfigurationPage(Browser browser, String url, String key, String value) {
		WebDriver page = browser.driver();
		page.get(url);
		WebElement field;
		try {
			field = browser.await(UI_WAIT)
					.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#editorTable [name='" + key + "']")));
		} catch (org.openqa.selenium.TimeoutException e) {
			throw new AssertionError("no field " + key + " on " + url + ":\n" + page.getPageSource(), e);
		}
		field.clear();
		field.sendKeys(value);
		page.findElements(By.cssSelector(".ui-dialog-buttonpane button")).stream().filter(b -> b.getText().strip().equals("Save"))
				.findFirst().orElseThrow(() -> new AssertionError("no Save button in the editor dialog")).click();
	}

	/** Waits (bounded) until {@code file} contains {@code line}. */
	static void awaitFile(Path file, String line) throws IOException {
		long deadline = System.nanoTime() + UI_WAIT.toNanos();
		while (!Files.readString(file).lines().anyMatch(line::equals)) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError(file + " never got " + line + ":\n" + Files.readString(file));
			}
			Sleep.millis(100);
		}
	}

	/** The attacker's site on the host's loopback, another port: a form that posts itself to the console. */
	private static final class AttackerSite implements AutoCloseable {

		private final HttpServer server;

		AttackerSite(String target) throws IOException {
			StringBuilder fields = new StringBuilder();
			for (String pair : FORGED.split("&")) {
				String[] kv = pair.split("=", 2);
				fields.append("<input type=hidden name='").append(kv[0]).append("' value='").append(kv[1]).append("'>");
			}
			byte[] page = ("<!doctype html><html><body><form id=f method=POST action='" + target + "'>" + fields
					+ "</form><script>document.getElementById('f').submit();</script></body></html>")
					.getBytes(StandardCharsets.UTF_8);
			server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
			server.createContext("/", exchange -> {
				try (exchange) {
					exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
					exchange.sendResponseHeaders(200, page.length);
					exchange.getResponseBody().write(page);
				}
			});
			server.start();
		}

		int port() {
			return server.getAddress().getPort();
		}

		@Override
		public void close() {
			server.stop(0);
		}
	}
}
