package org.mobilegt.gateway.app.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsrfGuardTest {

	private static final String XHR = CsrfGuard.VALUE;
	private static final String HOST = "127.0.0.1:8080";

	@Test
	void theConsolePagesOwnRequestPasses() {
		assertThat(CsrfGuard.refusal(XHR, "http://127.0.0.1:8080", "same-origin", HOST)).isNull();
		// a client that sends neither Origin nor Sec-Fetch-Site (curl, an old browser) with the header
		assertThat(CsrfGuard.refusal(XHR, null, null, HOST)).isNull();
		assertThat(CsrfGuard.refusal(XHR, "HTTP://Console.Example:8080", null, "console.example:8080")).isNull();
	}

	@Test
	void aCrossSiteFormCannotSendTheHeader() {
		assertThat(CsrfGuard.refusal(null, "http://evil.example", "cross-site", HOST)).contains("X-Requested-With");
		assertThat(CsrfGuard.refusal(null, null, null, HOST)).contains("X-Requested-With");
		assertThat(CsrfGuard.refusal("anything", null, null, HOST)).contains("X-Requested-With");
	}

	@Test
	void anotherOriginIsRefusedEvenWithTheHeader() {
		assertThat(CsrfGuard.refusal(XHR, "http://evil.example", null, HOST)).contains("evil.example");
		assertThat(CsrfGuard.refusal(XHR, "http://127.0.0.1:9999", null, HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "null", null, HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "http://127.0.0.1:8080", null, null)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "http://user@127.0.0.1:8080", null, HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "not a uri", null, HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, null, "same-site", HOST)).contains("Sec-Fetch-Site");
		assertThat(CsrfGuard.refusal(XHR, null, "cross-site", HOST)).contains("Sec-Fetch-Site");
	}
}
