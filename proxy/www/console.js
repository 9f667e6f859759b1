// SPDX-License-Identifier: MIT
// console.js: bridges xterm.js to rvirt-console-proxy's websocket.
//
// The page is opened as /?token=T (or /index.html?token=T); the token
// goes to the websocket /console?token=T on the same host, ws: or wss:
// as the page came.  Output arrives in binary frames, keystrokes leave
// as text; a close shows its code and reason (1008: the token was
// refused, 1011: rvirtd refused or failed, 1000: the console ended).
(function () {
	"use strict";
	var status = document.getElementById("status");
	var params = new URLSearchParams(window.location.search);
	var token = params.get("token") || "";
	var term = new Terminal({ convertEol: false, scrollback: 5000 });
	var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
	var url = scheme + "//" + window.location.host + "/console?token=" +
		encodeURIComponent(token);
	var ws = new WebSocket(url);

	function say(text) {
		status.textContent = text;
		document.body.setAttribute("data-status", text);
	}

	term.open(document.getElementById("term"));
	ws.binaryType = "arraybuffer";
	ws.onopen = function () {
		say("connected");
		term.focus();
	};
	ws.onmessage = function (ev) {
		term.write(new Uint8Array(ev.data));
	};
	ws.onclose = function (ev) {
		say("closed " + ev.code + (ev.reason ? ": " + ev.reason : ""));
	};
	term.onData(function (data) {
		if (ws.readyState === WebSocket.OPEN)
			ws.send(data);
	});
	window.rvirtConsole = { term: term, ws: ws };
})();
