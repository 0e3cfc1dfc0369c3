package org.mobilegt.gateway.app.console;

import java.net.URI;
import java.util.Locale;

/**
 * Decides whether a state-changing request may come from another site. The browser sends the
 * console's Basic credentials with any request to it, a forged cross-site one included, so
 * authentication alone does not show that the operator meant it.
 * <p>
 * The defence: the request must carry {@code X-Requested-With: XMLHttpRequest}, a header that a
 * cross-site form cannot send and a cross-site script can only send after a CORS preflight, which
 * the console never grants. Besides, when the browser says where the request comes from
 * ({@code Origin}, {@code Sec-Fetch-Site}), that must be this very origin.
 */
public final class CsrfGuard {

	public static final String HEADER = "X-Requested-With";
	public static final String VALUE = "XMLHttpRequest";

	private CsrfGuard() {
	}

	/**
	 * Null when the request may change state, else why not. Arguments are the request's header
	 * values, null when absent.
	 */
	public static String refusal(String requestedWith, String origin, String secFetchSite, String host) {
		if (!VALUE.equals(requestedWith)) {
			return "missing header " + HEADER + ": " + VALUE + " (state changes only from the console page)";
		}
		if (secFetchSite != null && !secFetchSite.equalsIgnoreCase("same-origin")) {
			return "cross-site request refused (Sec-Fetch-Site: " + secFetchSite + ")";
		}
		if (origin != null && !sameAuthority(origin, host)) {
			return "cross-origin request refused (Origin " + origin + " is not this console)";
		}
		return null;
	}

	/** Whether {@code origin}'s host and port are the {@code Host} the request was sent to. */
	private static boolean sameAuthority(String origin, String host) {
		if (host == null || origin.equals("null")) {
			return false;
		}
		try {
			URI uri = new URI(origin);
			String authority = uri.getRawAuthority();
			return authority != null && uri.getRawUserInfo() == null
					&& authority.toLowerCase(Locale.ROOT).equals(host.strip().toLowerCase(Locale.ROOT));
		} catch (java.net.URISyntaxException e) {
			return false;
		}
	}
}
