/*
 * The VPN page's client keys: list, add, rotate, remove (POST vpn/keys). A new key is shown once,
 * as text; client ids are attacker-controlled and only ever become text nodes.
 */
(function () {
	'use strict';

	var CSRF = { 'X-Requested-With': 'XMLHttpRequest' };
	var page = document.getElementById('mgt-vpn');
	var base = location.origin + page.getAttribute('data-plugin-root') + '/';

	function el(tag, text) {
		var e = document.createElement(tag);
		if (text !== undefined) {
			e.textContent = text;
		}
		return e;
	}

	function call(path, init) {
		init.cache = 'no-store';
		init.credentials = 'same-origin';
		return fetch(base + path, init).then(function (response) {
			return response.json().catch(function () {
				return { error: 'HTTP ' + response.status };
			}).then(function (body) {
				return { ok: response.ok, body: body };
			});
		});
	}

	function show(text) {
		var p = document.getElementById('mgt-new-key');
		p.textContent = text;
		p.hidden = text === '';
	}

	function act(action, client) {
		if (action !== 'add' && !window.confirm(action + ' the key of ' + client + '? Its session ends now.')) {
			return;
		}
		call('keys', { method: 'POST', headers: CSRF, body: new URLSearchParams({ action: action, client: client }) })
			.then(function (r) {
				show(r.ok ? r.body.message + (r.body.key ? ': ' + r.body.key : '') : 'Refused: ' + r.body.error);
				load();
			}, function (e) {
				show('Failed: ' + e.message);
			});
	}

	function button(label, action, client) {
		var b = el('button', label);
		b.type = 'button';
		b.className = 'ui-button ui-widget ui-state-default ui-corner-all';
		b.addEventListener('click', function () {
			act(action, client);
		});
		return b;
	}

	function load() {
		call('data.json', { method: 'GET' }).then(function (r) {
			var keys = r.ok ? r.body.keys : [];
			document.getElementById('mgt-key-count').textContent = '(' + keys.length + ')';
			var tbody = document.getElementById('mgt-keys').tBodies[0];
			tbody.replaceChildren.apply(tbody, keys.map(function (k) {
				var row = el('tr');
				var actions = el('td');
				actions.append(button('Rotate', 'rotate', k.clientId), button('Remove', 'remove', k.clientId));
				row.append(el('td', k.clientId), el('td', k.created), actions);
				return row;
			}));
		});
	}

	document.getElementById('mgt-key-form').addEventListener('submit', function (e) {
		e.preventDefault();
		var input = document.getElementById('mgt-key-client');
		var client = input.value.trim();
		if (client !== '') {
			act('add', client);
			input.value = '';
		}
	});
	load();
})();
