package org.mobilegt.gateway.app.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsrfGuardTest {

	private static final String XHR = CsrfGuard.VALUE;
	private static final String HOST = "127.0.0.1:8080";

	@Test
	void theConsolePagesOwnRequestsPass() {
		assertThat(CsrfGuard.refusal(XHR, "http://127.0.0.1:8080", "same-origin", "http", HOST)).isNull();
		// a form of the console's own pages: its Origin, no header
		assertThat(CsrfGuard.refusal(null, "http://127.0.0.1:8080", "same-origin", "http", HOST)).isNull();
		// a client that sends neither Origin nor Sec-Fetch-Site (curl, a same-origin GET) with the header
		assertThat(CsrfGuard.refusal(XHR, null, null, "http", HOST)).isNull();
		assertThat(CsrfGuard.refusal(XHR, "HTTP://Console.Example:8080", null, "http", "console.example:8080")).isNull();
		assertThat(CsrfGuard.refusal(null, "http://console.example", null, "http", "console.example:80")).isNull();
	}

	@Test
	void withoutOriginTheHeaderIsRequired() {
		assertThat(CsrfGuard.refusal(null, null, null, "http", HOST)).contains("X-Requested-With");
		assertThat(CsrfGuard.refusal(" ", null, null, "http", HOST)).contains("X-Requested-With");
	}

	@Test
	void anotherOriginIsRefusedEvenWithTheHeader() {
		assertThat(CsrfGuard.refusal(null, "http://evil.example", "cross-site", "http", HOST)).contains("evil.example");
		assertThat(CsrfGuard.refusal(XHR, "http://evil.example", null, "http", HOST)).contains("evil.example");
		assertThat(CsrfGuard.refusal(XHR, "http://127.0.0.1:9999", null, "http", HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "https://127.0.0.1:8080", null, "http", HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "null", null, "http", HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "http://127.0.0.1:8080", null, "http", null)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "http://user@127.0.0.1:8080", null, "http", HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, "not a uri", null, "http", HOST)).contains("Origin");
		assertThat(CsrfGuard.refusal(XHR, null, "same-site", "http", HOST)).contains("Sec-Fetch-Site");
		assertThat(CsrfGuard.refusal(XHR, null, "cross-site", "http", HOST)).contains("Sec-Fetch-Site");
	}

	@Test
	void whatChangesState() {
		assertThat(CsrfGuard.changesState("GET", null)).isFalse();
		assertThat(CsrfGuard.changesState("GET", "ts=1&x=post")).isFalse();
		assertThat(CsrfGuard.changesState("HEAD", null)).isFalse();
		assertThat(CsrfGuard.changesState("POST", null)).isTrue();
		assertThat(CsrfGuard.changesState("PUT", null)).isTrue();
		assertThat(CsrfGuard.changesState("DELETE", null)).isTrue();
		assertThat(CsrfGuard.changesState("PATCH", null)).isTrue();
		assertThat(CsrfGuard.changesState("GET", "post=true&apply=true")).isTrue();
		assertThat(CsrfGuard.changesState("GET", "apply=true&%70ost=true")).isTrue();
		assertThat(CsrfGuard.changesState("get", "a=1;POST")).isTrue();
	}
}
