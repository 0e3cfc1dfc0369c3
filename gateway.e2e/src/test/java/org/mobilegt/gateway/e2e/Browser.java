package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium driven through WebDriver: Debian's {@code chromium} and its
 * {@code chromium-driver} (/usr/bin/chromedriver), never a download (the pom also sets
 * SE_OFFLINE for Selenium Manager). A fresh profile per browser, removed on close. The browser
 * runs on the host and talks to the host's loopback only (see {@link LoopbackForwarder}).
 */
public final class Browser implements AutoCloseable {

	public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
	public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
	/** Debian packages that provide them. */
	public static final String PACKAGES = "chromium chromium-driver";

	private static final List<String> FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
			"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=en-US");

	private final ChromeDriverService service;
	private final ChromeDriver driver;
	private final Path profile;

	private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
		this.service = service;
		this.driver = driver;
		this.profile = profile;
	}

	/**
	 * Starts chromedriver and a headless Chromium with a fresh profile; chromedriver's log goes to
	 * {@code driverLog}.
	 *
	 * @throws AssertionError naming the Debian packages when chromium or chromedriver is missing
	 */
	public static Browser start(Path driverLog) {
		for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
			if (!Files.isExecutable(p)) {
				throw new AssertionError(p + " is missing: install the Debian packages " + PACKAGES
						+ " (scripts/test.sh does, as root)");
			}
		}
		System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
		Path profile;
		try {
			profile = Files.createTempDirectory("mgt-e2e-chromium-");
		} catch (IOException e) {
			throw new UncheckedIOException("cannot create a browser profile directory", e);
		}
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments(FLAGS);
		options.addArguments("--user-data-dir=" + profile);
		// an alert is the test's evidence of injected script: leave it open for the test to see
		options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
				.usingAnyFreePort().withLogFile(driverLog.toFile()).build();
		try {
			ChromeDriver driver = new ChromeDriver(service, options);
			driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(15));
			Browser b = new Browser(service, driver, profile);
			Cleanup.register(null, b);
			E2e.log("browser started: " + driver.getCapabilities().getBrowserName() + " "
					+ driver.getCapabilities().getBrowserVersion() + ", profile " + profile);
			return b;
		} catch (RuntimeException e) {
			service.stop();
			deleteRecursively(profile);
			throw e;
		}
	}

	public ChromeDriver driver() {
		return driver;
	}

	/** A wait on this browser, polling every 100 ms. */
	public WebDriverWait await(Duration timeout) {
		return new WebDriverWait(driver, timeout, Duration.ofMillis(100));
	}

	/**
	 * Sends Basic credentials with every request (DevTools Network.setExtraHTTPHeaders): no login
	 * prompt, which a headless browser could not answer, and no credentials in URLs.
	 */
	public void basicAuth(String user, String password) {
		String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
		driver.executeCdpCommand("Network.enable", Map.of());
		driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", "Basic " + token)));
	}

	/**
	 * From the next page load on, {@code window.alert} records its message in
	 * {@code window.mgtAlerts} instead of showing it: a script that an injection ran is evidence
	 * the test can read. {@code confirm} stays native.
	 */
	public void recordAlerts() {
		driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
				"window.mgtAlerts = []; window.alert = function (m) { window.mgtAlerts.push(String(m)); };"));
	}

	/** A PNG of the whole page (beyond the window) written to {@code file}, whose path is printed. */
	public Path screenshot(Path file) {
		Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
				Map.of("format", "png", "captureBeyondViewport", true));
		try {
			Files.createDirectories(file.getParent());
			Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
		} catch (IOException e) {
			throw new UncheckedIOException("cannot write " + file, e);
		}
		E2e.log("screenshot: " + file);
		return file;
	}

	@Override
	public void close() {
		try {
			driver.quit();
		} catch (RuntimeException e) {
			System.err.println("[e2e] quitting the browser failed: " + e);
		} finally {
			service.stop();
			deleteRecursively(profile);
			Cleanup.unregister(null, this);
		}
	}

	private static void deleteRecursively(Path dir) {
		try (Stream<Path> paths = Files.walk(dir)) {
			for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(p);
			}
		} catch (IOException e) {
			System.err.println("[e2e] cannot remove the browser profile " + dir + ": " + e);
		}
	}

	@Override
	public String toString() {
		return "headless chromium (profile " + profile + ")";
	}
}
