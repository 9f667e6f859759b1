// SPDX-License-Identifier: MIT
// vnc.js: opens rvirt-console-proxy's /vnc websocket in noVNC.
//
// The page is opened as /vnc.html?token=T; noVNC (vendor/novnc, an ES
// module) connects to /vnc?token=T on the same host, ws: or wss: as
// the page came, and does RFB with the proxy, which offers security
// type None only (the token was the authentication).  The status line
// (and body[data-status]) says connected, the display's name and
// size, or disconnected; the RFB object is window.rvirtVnc.
import RFB from "./vendor/novnc/core/rfb.js";

const status = document.getElementById("status");
const params = new URLSearchParams(window.location.search);
const token = params.get("token") || "";
const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
const url = scheme + "//" + window.location.host + "/vnc?token=" +
	encodeURIComponent(token);

function say(text) {
	status.textContent = text;
	document.body.setAttribute("data-status", text);
}

const rfb = new RFB(document.getElementById("screen"), url);
rfb.scaleViewport = false;
let name = "", connected = false;

function sayConnected() {
	say(name ? "connected: " + name : "connected");
}

rfb.addEventListener("connect", () => {
	connected = true;
	sayConnected();
});
rfb.addEventListener("desktopname", (ev) => {
	name = ev.detail.name;
	if (connected)
		sayConnected();
});
rfb.addEventListener("disconnect", (ev) =>
	say(ev.detail.clean ? "disconnected" : "disconnected: connection lost or refused"));
window.rvirtVnc = rfb;
