package org.mobilegt.gateway.app.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.mobilegt.gateway.app.ops.KeyOperations;
import org.mobilegt.gateway.app.ops.Operations;
import org.mobilegt.gateway.app.ops.Operations.Kick;
import org.mobilegt.gateway.app.ops.Operations.PoolView;
import org.mobilegt.gateway.app.ops.Operations.Stats;
import org.mobilegt.gateway.app.ops.Operations.Status;
import org.mobilegt.gateway.app.ops.TrafficHistory.Point;
import org.mobilegt.gateway.app.ops.Views;
import org.mobilegt.gateway.app.ops.Views.AttemptView;
import org.mobilegt.gateway.app.ops.Views.SessionView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.owasp.encoder.Encode;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The Web Console page "VPN" ({@code /system/console/vpn}): sessions with a Kick button, traffic
 * totals, rates and a throughput chart, the address pool, illegal attempts and a status line.
 * <p>
 * The page itself is a fixed skeleton without data; {@code vpn.js} fills it from
 * {@code GET vpn/data.json} every 2 s, building the DOM with text nodes only (client ids are
 * attacker-controlled). {@code POST vpn/kick} ends a session; it requires the console's
 * authentication (the Web Console only passes authenticated requests to plugins); the console's
 * {@link CsrfGuard} filter has refused it before if it may come from another site. GET never
 * changes anything.
 */
@Component(service = Servlet.class, property = { ServletConstants.PLUGIN_LABEL + "=" + VpnPage.LABEL,
		ServletConstants.PLUGIN_TITLE + "=VPN", ServletConstants.PLUGIN_CATEGORY + "=mobilegt",
		ServletConstants.PLUGIN_CSS_REFERENCES + "=/" + VpnPage.LABEL + "/res/vpn.css" })
public final class VpnPage extends AbstractServlet {

	static final String LABEL = "vpn";
	/** Newest illegal attempts shown. */
	static final int ATTEMPTS_SHOWN = 20;
	/** Seconds of throughput in the chart. */
	static final int CHART_SECONDS = 180;
	/** The longest ban the page accepts: a week. */
	static final int MAX_BAN_MINUTES = 7 * 24 * 60;

	private static final long serialVersionUID = 1L;
	private static final String ROOT = "/" + LABEL;
	private static final String RESOURCES = ROOT + "/res/";
	private static final Set<String> RESOURCE_NAMES = Set.of("vpn.js", "keys.js", "vpn.css");

	/** What the page shows, in one JSON document. */
	record Data(long time, Status status, Stats stats, PoolView pool, List<SessionView> clients, List<AttemptView> illegal,
			List<Point> throughput, List<KeyOperations.KeyView> keys) {
	}

	private final transient Operations ops;
	private final transient KeyOperations keys;

	@Activate
	public VpnPage(@Reference Operations ops, @Reference KeyOperations keys) {
		this.ops = ops;
		this.keys = keys;
	}

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String path = subPath(request);
		if (path.isEmpty() || path.equals("/")) {
			// no response here: the Web Console renders its frame around renderContent
			response.setHeader("X-Frame-Options", "DENY");
			response.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
		} else if (path.equals("/data.json")) {
			json(response, HttpServletResponse.SC_OK, data());
		} else if (path.equals("/kick") || path.equals("/keys")) {
			response.setHeader("Allow", "POST");
			error(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, path.substring(1) + " changes state: POST only");
		} else if (getResource(request.getPathInfo()) != null) {
			spoolResource(request, response);
		} else {
			error(response, HttpServletResponse.SC_NOT_FOUND, "no such resource: " + path);
		}
	}

	@Override
	protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String path = subPath(request);
		if (!path.equals("/kick") && !path.equals("/keys")) {
			error(response, HttpServletResponse.SC_NOT_FOUND, "no such action: " + path);
			return;
		}
		if (path.equals("/keys")) {
			keyAction(request, response);
			return;
		}
		String session = request.getParameter("session");
		if (session == null || !session.matches("\\d{1,18}")) {
			error(response, HttpServletResponse.SC_BAD_REQUEST, "parameter session must be a session id (a number)");
			return;
		}
		int banMinutes = banMinutes(request.getParameter("ban"));
		if (banMinutes < 0) {
			error(response, HttpServletResponse.SC_BAD_REQUEST,
					"parameter ban must be minutes from 0 to " + MAX_BAN_MINUTES + " (empty: no ban)");
			return;
		}
		Kick kick = ops.kickSession(Long.parseLong(session), banMinutes);
		if (kick.kicked()) {
			json(response, HttpServletResponse.SC_OK, kick);
		} else {
			error(response, HttpServletResponse.SC_NOT_FOUND, kick.message());
		}
	}

	/** {@code POST vpn/keys} with {@code action=add|rotate|remove} and {@code client=<id>}; the new key is in the answer. */
	private void keyAction(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String action = request.getParameter("action");
		String client = request.getParameter("client");
		if (action == null || !action.matches("add|rotate|remove") || client == null) {
			error(response, HttpServletResponse.SC_BAD_REQUEST, "parameters: action=add|rotate|remove and client=<client id>");
			return;
		}
		KeyOperations.Outcome o = keys.apply(action, client);
		if (o.ok()) {
			json(response, HttpServletResponse.SC_OK, o);
		} else {
			error(response, HttpServletResponse.SC_BAD_REQUEST, o.message());
		}
	}

	@Override
	public void renderContent(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String appRoot = (String) request.getAttribute(ServletConstants.ATTR_APP_ROOT);
		String pluginRoot = Encode.forHtmlAttribute(appRoot + ROOT);
		PrintWriter pw = response.getWriter();
		pw.println(SKELETON.replace("PLUGIN_ROOT", pluginRoot));
	}

	/** Only this page's own files, from this package. */
	@Override
	protected URL getResource(String path) {
		if (path == null || !path.startsWith(RESOURCES)) {
			return null;
		}
		String name = path.substring(RESOURCES.length());
		return RESOURCE_NAMES.contains(name) ? VpnPage.class.getResource(name) : null;
	}

	Data data() {
		// the lease list can be long; the page shows the counts
		PoolView pool = ops.pool().counts();
		return new Data(System.currentTimeMillis(), ops.status(), ops.stats(), pool, ops.clients(), ops.illegal(ATTEMPTS_SHOWN),
				ops.history().throughput(CHART_SECONDS), keys.list());
	}

	/** Minutes to ban for: 0 when empty, -1 when not a number from 0 to {@link #MAX_BAN_MINUTES}. */
	static int banMinutes(String parameter) {
		if (parameter == null || parameter.isBlank()) {
			return 0;
		}
		String p = parameter.strip();
		return p.matches("\\d{1,6}") && Integer.parseInt(p) <= MAX_BAN_MINUTES ? Integer.parseInt(p) : -1;
	}

	/** The path below the plugin's label: "" for the page itself, else "/data.json" and so on. */
	private static String subPath(HttpServletRequest request) {
		String info = request.getPathInfo();
		return info == null || !info.startsWith(ROOT) ? "" : info.substring(ROOT.length());
	}

	private static void error(HttpServletResponse response, int status, String message) throws IOException {
		json(response, status, Map.of("error", message));
	}

	private static void json(HttpServletResponse response, int status, Object body) throws IOException {
		setNoCache(response);
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setCharacterEncoding("UTF-8");
		response.setContentType("application/json");
		response.setStatus(status);
		response.getWriter().write(Views.json(body));
	}

	/**
	 * The page: containers only, no data. Ids are what vpn.js fills. No "${": the Web Console
	 * substitutes its variables in HTML output.
	 */
	private static final String SKELETON = """
			<div id="mgt-vpn" data-plugin-root="PLUGIN_ROOT">
			<p class="statline ui-state-highlight" id="mgt-status">Loading&hellip;</p>
			<p class="mgt-message" id="mgt-message" role="status" hidden></p>
			<div class="mgt-row">
			 <section class="mgt-panel mgt-traffic">
			  <h2>Traffic</h2>
			  <table class="nicetable mgt-table" id="mgt-totals">
			   <thead>
			    <tr><th rowspan="2"></th><th colspan="2" class="mgt-group">Total</th><th colspan="2" class="mgt-group">Last 10 s</th>
			    <th colspan="2" class="mgt-group">Last 1 min</th></tr>
			    <tr><th class="num">packets</th><th class="num">bytes</th><th class="num">pkt/s</th><th class="num">bit/s</th>
			    <th class="num">pkt/s</th><th class="num">bit/s</th></tr>
			   </thead>
			   <tbody></tbody>
			  </table>
			  <p class="mgt-note" id="mgt-counters"></p>
			  <p class="mgt-note" id="mgt-drops"></p>
			 </section>
			 <section class="mgt-panel mgt-chart-panel">
			  <h2>Throughput, last 3 minutes</h2>
			  <div id="mgt-chart" class="mgt-chart"></div>
			 </section>
			</div>
			<section class="mgt-panel">
			 <h2>Sessions <span class="mgt-count" id="mgt-session-count"></span></h2>
			 <table class="nicetable mgt-table" id="mgt-sessions">
			  <thead><tr><th class="num">Session</th><th>Client</th><th>Endpoint</th><th>Tunnel address</th><th>Since</th>
			  <th class="num">Idle</th><th class="num">Rx packets</th><th class="num">Rx bytes</th><th class="num">Tx packets</th>
			  <th class="num">Tx bytes</th><th class="num">Drops</th><th>Ban (min)</th><th></th></tr></thead>
			  <tbody></tbody>
			 </table>
			 <p class="mgt-empty" id="mgt-no-sessions" hidden>No clients connected.</p>
			</section>
			<div class="mgt-row">
			 <section class="mgt-panel mgt-pool-panel">
			  <h2>Address pool</h2>
			  <div id="mgt-pool"></div>
			 </section>
			 <section class="mgt-panel mgt-illegal-panel">
			  <h2>Illegal attempts <span class="mgt-count">(newest 20)</span></h2>
			  <table class="nicetable mgt-table" id="mgt-illegal">
			   <thead><tr><th>Time</th><th>Source</th><th>Reason</th><th>Detail</th></tr></thead>
			   <tbody></tbody>
			  </table>
			  <p class="mgt-empty" id="mgt-no-illegal" hidden>None.</p>
			 </section>
			</div>
			<section class="mgt-panel">
			 <h2>Client keys <span class="mgt-count" id="mgt-key-count"></span></h2>
			 <p class="mgt-note">A client with its own key sends <span class="mgt-mono">key:client-id</span>; the shared key no longer admits that id.
			 A new key is shown once. Rotate and Remove end the client's session.</p>
			 <form id="mgt-key-form"><input id="mgt-key-client" maxlength="64" placeholder="client id" aria-label="client id">
			 <button type="submit" class="ui-button ui-widget ui-state-default ui-corner-all">Add</button></form>
			 <p class="mgt-mono" id="mgt-new-key" hidden></p>
			 <table class="nicetable mgt-table" id="mgt-keys">
			  <thead><tr><th>Client</th><th>Key created</th><th></th></tr></thead>
			  <tbody></tbody>
			 </table>
			</section>
			<script src="PLUGIN_ROOT/res/vpn.js"></script>
			<script src="PLUGIN_ROOT/res/keys.js"></script>
			</div>
			""";
}
