/*
 * The console's VPN page: polls vpn/data.json every 2 s and draws sessions, traffic, a throughput
 * chart, the pool and illegal attempts. Client ids and attempt details are attacker-controlled:
 * everything is put into the page as text nodes (textContent), never parsed as HTML.
 */
(function () {
	'use strict';

	var REFRESH_MS = 2000;
	var CHART_SECONDS = 180;
	var SVG = 'http://www.w3.org/2000/svg';
	var CSRF = { 'X-Requested-With': 'XMLHttpRequest' };

	var page = document.getElementById('mgt-vpn');
	// location.origin never carries user:password@ (fetch refuses URLs with credentials)
	var base = location.origin + page.getAttribute('data-plugin-root') + '/';
	var sessionRows = new Map();
	var messageTimer = null;

	function $(id) {
		return document.getElementById(id);
	}

	/** An element with a class and text content, or child nodes. */
	function el(tag, className, content) {
		var e = document.createElement(tag);
		if (className) {
			e.className = className;
		}
		if (Array.isArray(content)) {
			content.forEach(function (c) {
				e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
			});
		} else if (content !== undefined && content !== null) {
			e.textContent = String(content);
		}
		return e;
	}

	function svg(tag, attrs, text) {
		var e = document.createElementNS(SVG, tag);
		Object.keys(attrs).forEach(function (k) {
			e.setAttribute(k, attrs[k]);
		});
		if (text !== undefined) {
			e.textContent = text;
		}
		return e;
	}

	function setText(node, value) {
		value = String(value);
		if (node.textContent !== value) {
			node.textContent = value;
		}
	}

	// ----- formatting

	function count(n) {
		return Number(n).toLocaleString('en-US');
	}

	function bytes(n) {
		if (n < 1024) {
			return n + ' B';
		}
		var units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
		var u = -1;
		do {
			n /= 1024;
			u++;
		} while (n >= 1024 && u < units.length - 1);
		return n.toFixed(1) + ' ' + units[u];
	}

	/** 1234567 -> "1.2 M", 2.5 -> "2.5", 120 -> "120" */
	function si(v) {
		var units = ['', ' k', ' M', ' G', ' T'];
		var u = 0;
		while (Math.abs(v) >= 1000 && u < units.length - 1) {
			v /= 1000;
			u++;
		}
		if (u > 0) {
			return v.toFixed(1) + units[u];
		}
		return v < 10 && Math.round(v) !== v ? v.toFixed(1) : String(Math.round(v));
	}

	/** 12500 -> "12.5 kbit/s", 0 -> "0 bit/s" */
	function bits(v) {
		var s = si(v);
		return (/[kMGT]$/.test(s) ? s : s + ' ') + 'bit/s';
	}

	function duration(seconds) {
		var h = Math.floor(seconds / 3600);
		var m = Math.floor(seconds / 60) % 60;
		var s = seconds % 60;
		function two(x) {
			return (x < 10 ? '0' : '') + x;
		}
		return h > 0 ? h + 'h' + two(m) + 'm' + two(s) + 's' : m > 0 ? m + 'm' + two(s) + 's' : s + 's';
	}

	function clock(iso) {
		var d = new Date(iso);
		return isNaN(d) ? String(iso) : d.toLocaleTimeString('en-GB');
	}

	function since(iso, nowMillis) {
		var d = new Date(iso);
		return isNaN(d) ? String(iso) : clock(iso) + ' (' + duration(Math.max(0, Math.round((nowMillis - d) / 1000))) + ' ago)';
	}

	// ----- status line and messages

	function badge(ok, label, okText, failText) {
		return el('span', 'mgt-badge ' + (ok ? 'mgt-ok' : 'mgt-fail'), label + ' ' + (ok ? okText : failText));
	}

	function renderStatus(s) {
		var line = $('mgt-status');
		line.replaceChildren(
			badge(s.tunUp, 'TUN', 'OK', 'DOWN'), el('span', 'mgt-detail', s.tun),
			badge(s.socket.indexOf('listening') === 0, 'Socket', 'OK', 'DOWN'), el('span', 'mgt-detail', s.socket),
			badge(s.keyConfigured, 'Key', 'OK', 'MISSING'), el('span', 'mgt-detail', s.auth),
			el('span', 'mgt-detail mgt-meta', s.sessions + ' session' + (s.sessions === 1 ? '' : 's') + ' \u00b7 up ' + s.uptime
				+ ' \u00b7 version ' + s.version));
		line.classList.toggle('mgt-degraded', !(s.tunUp && s.serving && s.keyConfigured));
	}

	function message(text, isError) {
		var m = $('mgt-message');
		m.textContent = text;
		m.className = 'mgt-message ' + (isError ? 'mgt-message-error' : 'mgt-message-ok');
		m.hidden = false;
		clearTimeout(messageTimer);
		messageTimer = setTimeout(function () {
			m.hidden = true;
		}, isError ? 20000 : 8000);
	}

	// ----- traffic

	function renderTotals(stats) {
		var t = stats.totals;
		var a = stats.last10s;
		var b = stats.last60s;
		var tbody = $('mgt-totals').tBodies[0];
		tbody.replaceChildren(
			totalsRow('From clients (rx)', t.rxPackets, t.rxBytes, a.rxPps, a.rxBps, b.rxPps, b.rxBps, 'mgt-rx'),
			totalsRow('To clients (tx)', t.txPackets, t.txBytes, a.txPps, a.txBps, b.txPps, b.txBps, 'mgt-tx'));
		setText($('mgt-counters'), 'Handshakes ' + count(t.handshakesOk) + ' ok, ' + count(t.handshakesFailed) + ' refused \u00b7 keepalives '
			+ count(t.keepalivesIn) + ' in, ' + count(t.keepalivesOut) + ' out \u00b7 re-handshake hints ' + count(t.hints));
		setText($('mgt-drops'), 'Drops: ' + listing(stats.drops) + ' \u00b7 refused handshakes: ' + listing(stats.rejections));
	}

	function totalsRow(label, packets, byteCount, pps10, bps10, pps60, bps60, swatch) {
		return el('tr', null, [
			el('th', null, [el('span', 'mgt-swatch ' + swatch), label]),
			el('td', 'num', count(packets)), el('td', 'num', bytes(byteCount)),
			el('td', 'num', si(pps10)), el('td', 'num', si(bps10)),
			el('td', 'num', si(pps60)), el('td', 'num', si(bps60))]);
	}

	function listing(map) {
		var keys = Object.keys(map || {});
		return keys.length === 0 ? 'none' : keys.map(function (k) {
			return k.toLowerCase().replace(/_/g, ' ') + ' ' + count(map[k]);
		}).join(', ');
	}

	/** A round axis maximum: 1, 2 or 5 times a power of ten, at least 1 kbit/s. */
	function axisMax(v) {
		v = Math.max(v, 1000);
		var p = Math.pow(10, Math.floor(Math.log10(v)));
		return [1, 2, 5, 10].map(function (f) {
			return f * p;
		}).find(function (m) {
			return m >= v;
		});
	}

	function renderChart(points, nowMillis) {
		var W = 640, H = 210, left = 74, right = 12, top = 12, bottom = 26;
		var plotW = W - left - right, plotH = H - top - bottom;
		var start = nowMillis - CHART_SECONDS * 1000;
		var shown = points.filter(function (p) {
			return p.millis >= start;
		});
		var max = axisMax(shown.reduce(function (m, p) {
			return Math.max(m, p.rxBps, p.txBps);
		}, 0));
		function x(t) {
			return left + (t - start) / (CHART_SECONDS * 1000) * plotW;
		}
		function y(v) {
			return top + plotH - v / max * plotH;
		}
		var chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'mgt-svg', role: 'img',
			'aria-label': 'Throughput in bit/s over the last 3 minutes' });
		for (var i = 0; i <= 4; i++) {
			var v = max * i / 4;
			chart.appendChild(svg('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: i === 0 ? 'mgt-axis' : 'mgt-grid' }));
			chart.appendChild(svg('text', { x: left - 6, y: y(v) + 4, class: 'mgt-label', 'text-anchor': 'end' }, bits(v)));
		}
		for (var m = 0; m <= 3; m++) {
			var tx = x(start + m * 60000);
			chart.appendChild(svg('line', { x1: tx, x2: tx, y1: top, y2: top + plotH, class: 'mgt-grid' }));
			chart.appendChild(svg('text', { x: tx, y: H - 8, class: 'mgt-label', 'text-anchor': m === 0 ? 'start' : m === 3 ? 'end' : 'middle' },
				m === 3 ? 'now' : '\u2212' + (3 - m) + ' min'));
		}
		['rx', 'tx'].forEach(function (dir) {
			var coords = shown.map(function (p) {
				return x(p.millis).toFixed(1) + ',' + y(p[dir + 'Bps']).toFixed(1);
			});
			if (coords.length > 1) {
				chart.appendChild(svg('polyline', { points: coords.join(' '), class: 'mgt-line mgt-' + dir }));
			}
		});
		var last = shown.length ? shown[shown.length - 1] : { rxBps: 0, txBps: 0 };
		$('mgt-chart').replaceChildren(chart, el('div', 'mgt-legend', [
			el('span', 'mgt-swatch mgt-rx'), 'from clients ' + bits(last.rxBps),
			el('span', 'mgt-swatch mgt-tx'), 'to clients ' + bits(last.txBps),
			el('span', 'mgt-muted', shown.length ? '' : ' (no samples yet)')]));
	}

	// ----- sessions

	function renderSessions(clients, nowMillis) {
		var tbody = $('mgt-sessions').tBodies[0];
		var live = new Set();
		clients.forEach(function (c) {
			live.add(c.id);
			var row = sessionRows.get(c.id);
			if (!row) {
				row = sessionRow(c);
				sessionRows.set(c.id, row);
				tbody.appendChild(row);
			}
			var cells = row.cells;
			setText(cells[3], c.address6 ? c.address + ' ' + c.address6 : c.address);
			setText(cells[2], c.endpoint);
			setText(cells[4], since(c.since, nowMillis));
			setText(cells[5], duration(c.idleSeconds));
			setText(cells[6], count(c.rxPackets));
			setText(cells[7], bytes(c.rxBytes));
			setText(cells[8], count(c.txPackets));
			setText(cells[9], bytes(c.txBytes));
			setText(cells[10], count(c.drops));
		});
		sessionRows.forEach(function (row, id) {
			if (!live.has(id)) {
				row.remove();
				sessionRows.delete(id);
			}
		});
		setText($('mgt-session-count'), '(' + clients.length + ')');
		$('mgt-no-sessions').hidden = clients.length > 0;
	}

	/** A row whose id, client and controls stay; the counters are updated in place (keeps a typed ban). */
	function sessionRow(c) {
		var anonymous = c.clientId === null || c.clientId === undefined;
		var ban = el('input', 'mgt-ban');
		ban.type = 'number';
		ban.min = '0';
		ban.max = '10080';
		ban.placeholder = '0';
		ban.title = 'Also refuse this client id and its source address for this many minutes';
		ban.setAttribute('aria-label', 'Ban minutes for session ' + c.id);
		var button = el('button', 'mgt-kick ui-button ui-widget ui-state-default ui-corner-all', 'Kick');
		button.type = 'button';
		button.addEventListener('click', function () {
			kick(c.id, c.client, ban, button);
		});
		var row = el('tr', 'mgt-session', [
			el('td', 'num', String(c.id)),
			el('td', anonymous ? 'mgt-client mgt-muted' : 'mgt-client', c.client),
			el('td', 'mgt-mono'), el('td', 'mgt-mono'), el('td'), el('td', 'num'), el('td', 'num'), el('td', 'num'),
			el('td', 'num'), el('td', 'num'), el('td', 'num'), el('td', null, [ban]), el('td', null, [button])]);
		row.setAttribute('data-session', String(c.id));
		return row;
	}

	function kick(id, client, banInput, button) {
		var ban = banInput.value.trim();
		var banned = ban !== '' && Number(ban) > 0;
		if (!window.confirm('Kick session ' + id + ' (' + client + ')' + (banned ? ' and ban it for ' + ban + ' min' : '') + '?')) {
			return;
		}
		button.disabled = true;
		request('kick', { method: 'POST', headers: CSRF, body: new URLSearchParams({ session: String(id), ban: ban }) })
			.then(function (r) {
				message(r.ok ? r.body.message : 'Kick failed: ' + r.body.error, !r.ok);
			}, function (e) {
				message('Kick failed: ' + e.message, true);
			}).finally(function () {
				button.disabled = false;
				refresh();
			});
	}

	// ----- pool and attempts

	function renderPool(p) {
		var size = Math.max(p.size, 1);
		function share(n) {
			return n === 0 ? '0' : Math.max(n / size * 100, 0.8) + '%';
		}
		var used = el('span', 'mgt-bar-used');
		used.style.width = share(p.used);
		var reserved = el('span', 'mgt-bar-reserved');
		reserved.style.width = share(p.reserved);
		$('mgt-pool').replaceChildren(
			el('p', 'mgt-pool-subnet', [el('span', 'mgt-mono', p.subnet), ' \u2014 ' + count(p.size) + ' addresses']),
			el('div', 'mgt-bar', [used, reserved]),
			el('p', 'mgt-pool-legend', [el('span', 'mgt-swatch mgt-used'), count(p.used) + ' used ',
				el('span', 'mgt-swatch mgt-reserved'), count(p.reserved) + ' reserved ',
				el('span', 'mgt-swatch mgt-free'), count(p.free) + ' free']),
			p.subnet6 ? el('p', 'mgt-pool-subnet', [el('span', 'mgt-mono', p.subnet6), ' \u2014 IPv6: ' + count(p.used6) + ' used, '
				+ count(p.reserved6) + ' reserved, ' + (p.size6 > Number.MAX_SAFE_INTEGER ? 'too many to count' : count(p.free6)) + ' free'])
				: el('p', 'mgt-pool-subnet mgt-muted', 'IPv6 off'));
	}

	function renderIllegal(attempts) {
		var tbody = $('mgt-illegal').tBodies[0];
		tbody.replaceChildren.apply(tbody, attempts.map(function (a) {
			return el('tr', 'mgt-attempt', [el('td', 'mgt-nowrap', clock(a.time)), el('td', 'mgt-mono', a.address + ':' + a.port),
				el('td', null, a.reason.toLowerCase().replace(/_/g, ' ')), el('td', 'mgt-detail-cell', a.detail)]);
		}));
		$('mgt-no-illegal').hidden = attempts.length > 0;
	}

	// ----- loading

	/** fetch + JSON: {ok, status, body}; a non-JSON answer (a 401 page, say) becomes {error}. */
	function request(path, init) {
		init = init || {};
		init.cache = 'no-store';
		init.credentials = 'same-origin';
		return fetch(base + path, init).then(function (response) {
			return response.text().then(function (text) {
				var body;
				try {
					body = JSON.parse(text);
				} catch (e) {
					body = { error: 'HTTP ' + response.status + ' ' + response.statusText };
				}
				return { ok: response.ok, status: response.status, body: body };
			});
		});
	}

	var refreshing = null;
	var nextRefresh = null;

	function refresh() {
		if (refreshing) {
			return refreshing;
		}
		clearTimeout(nextRefresh);
		refreshing = request('data.json').then(function (r) {
			if (!r.ok) {
				throw new Error(r.body.error || 'HTTP ' + r.status);
			}
			var d = r.body;
			renderStatus(d.status);
			renderTotals(d.stats);
			renderChart(d.throughput, d.time);
			renderSessions(d.clients, d.time);
			renderPool(d.pool);
			renderIllegal(d.illegal);
			page.setAttribute('data-updated', String(d.time));
			page.classList.remove('mgt-stale');
		}).catch(function (e) {
			page.classList.add('mgt-stale');
			message('Cannot load the VPN data (retrying): ' + e.message, true);
		}).finally(function () {
			refreshing = null;
			nextRefresh = setTimeout(refresh, REFRESH_MS);
		});
		return refreshing;
	}

	refresh();
})();
