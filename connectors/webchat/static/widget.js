/* omnibot web chat widget: <script src="https://YOUR-BOT/chat/widget.js" defer></script>
 *
 * Optional attributes on the script tag:
 *   data-title="Store"        the chat's title
 *   data-identity="<JWT>"     the signed identity of a logged-in customer (see the docs)
 *   data-open="true"          open the chat when the page loads
 *   data-locale="pt-BR"       the customer's language (default: the browser's)
 *   data-links="false"        ignore ?link=<token> in the page's address (see below)
 * A page opened with ?link=<token> (a link code from another channel, docs/omnichannel.md)
 * opens the chat and presents the token: the bot then asks, in the chat, whether to join that
 * conversation, and only the visitor's yes does. The token is taken out of the address, so
 * that a reload does not present it again.
 * And in JavaScript: window.omnibot.open(), window.omnibot.close().
 */
(function () {
  "use strict";
  if (window.omnibot) return;

  var script = document.currentScript;
  var base = new URL(script.src, location.href);
  var wsUrl = (base.protocol === "https:" ? "wss:" : "ws:") + "//" + base.host + "/chat/ws";
  var title = script.getAttribute("data-title") || "Chat";
  var identity = script.getAttribute("data-identity") || null;
  var locale = script.getAttribute("data-locale") || navigator.language || null;
  var storageKey = "omnibot.session." + base.host;
  var linkToken = takeLink();

  function takeLink() {
    if (script.getAttribute("data-links") === "false" || !window.URLSearchParams) return null;
    var params = new URLSearchParams(location.search);
    var token = params.get("link");
    if (!token || !/^[A-Za-z0-9_-]{22}$/.test(token)) return null;
    params.delete("link");
    var rest = params.toString();
    if (history.replaceState) {
      history.replaceState(history.state, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
    }
    return token;
  }

  var CSS = [
    ":host{all:initial;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d1d1f}",
    "*{box-sizing:border-box}",
    ".launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;",
    "background:#1f5fbf;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,a:focus-visible,[tabindex]:focus-visible{outline:3px solid #ffb000;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:88px;width:360px;height:540px;max-height:calc(100vh - 108px);",
    "display:flex;flex-direction:column;background:#fff;border-radius:12px;overflow:hidden;",
    "box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483000}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:#1f5fbf;color:#fff}",
    "header h2{margin:0;font-size:16px;font-weight:600}",
    "header button{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:2px 6px}",
    ".status{font-size:13px;padding:4px 14px;background:#fff4d6;color:#5a4300}",
    ".status:empty{display:none}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f4f6f9}",
    ".msg{max-width:85%;padding:8px 11px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word}",
    ".customer{align-self:flex-end;background:#1f5fbf;color:#fff;border-bottom-right-radius:4px}",
    ".bot,.agent{align-self:flex-start;background:#fff;border:1px solid #dde2ea;border-bottom-left-radius:4px}",
    ".agent{border-color:#8fb38a}",
    ".pending{opacity:.6}.failed{background:#b3261e}",
    ".meta{display:block;font-size:11px;opacity:.75;margin-top:3px}",
    ".choices{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}",
    ".choices button,.choices a,.quick button{font:inherit;font-size:14px;border:1px solid #1f5fbf;color:#1f5fbf;",
    "background:#fff;border-radius:16px;padding:5px 12px;cursor:pointer;text-decoration:none}",
    ".choices button:hover,.quick button:hover{background:#e8f0fb}",
    ".quick{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px 8px;background:#f4f6f9}",
    ".quick:empty{display:none}",
    ".msg img{display:block;max-width:100%;border-radius:8px;margin-top:4px}",
    ".card strong{display:block}",
    ".typing{align-self:flex-start;color:#5b6473;font-size:13px;padding:2px 4px}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde2ea;background:#fff}",
    "input{flex:1;font:inherit;font-size:16px;padding:9px 10px;border:1px solid #b9c2cf;border-radius:8px;min-width:0}",
    "form button{font:inherit;background:#1f5fbf;color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100vh;max-height:none;border-radius:0}}"
  ].join("");

  var host = document.createElement("div");
  host.id = "omnibot-chat";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" + CSS + "</style>" +
    '<button class="launcher" type="button" aria-label="Open chat" aria-expanded="false" aria-controls="panel">' +
    '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor">' +
    '<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg></button>' +
    '<section class="panel" id="panel" role="dialog" aria-labelledby="title" hidden>' +
    '<header><h2 id="title"></h2><button type="button" class="close" aria-label="Close chat">\u00d7</button></header>' +
    '<div class="status" role="status" aria-live="polite"></div>' +
    '<div class="log" role="log" aria-live="polite" aria-label="Conversation" tabindex="0"></div>' +
    '<div class="quick" role="group" aria-label="Suggested replies"></div>' +
    '<form><label class="sr" for="input">Message</label>' +
    '<input id="input" type="text" autocomplete="off" maxlength="4096" placeholder="Type a message">' +
    '<button type="submit">Send</button></form></section>';
  var $ = function (selector) { return root.querySelector(selector); };
  var launcher = $(".launcher"), panel = $(".panel"), log = $(".log"), quick = $(".quick");
  var statusLine = $(".status"), input = $("#input"), form = $("form");
  $("#title").textContent = title;

  var socket = null, ready = false, opened = false, retry = 500, lastId = null, stopped = false;
  var typingTimer = null, typedAt = 0;
  var outbox = [];     // frames typed while (re)connecting: sent, in order, once welcomed
  var shown = {};      // entry ids already on screen
  var pending = {};    // client ids of messages sent but not yet seen in the transcript
  var frames = {};     // the frames of those messages, to send again while the bot reconnects
  var resend = 1000;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function setStatus(text) { statusLine.textContent = text || ""; }

  function connect() {
    if (socket || stopped) return;
    if (!lastId) setStatus("Connecting\u2026");
    socket = new WebSocket(wsUrl);
    socket.onopen = function () {
      var hello = { type: "hello", protocol: 1, locale: locale };
      var session = localStorage.getItem(storageKey);
      if (session) hello.session = session;
      if (identity) hello.identity = identity;
      if (lastId) hello.after = lastId;
      if (linkToken) hello.link = linkToken;
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = function (event) { receive(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      socket = null;
      ready = false;
      if (event.code === 4401) {
        stopped = true;
        setStatus("Your sign-in could not be verified. Please reload the page.");
        outbox.forEach(function (frame) {
          receive({ type: "error", id: frame.id, message: "the chat could not connect" });
        });
        outbox = [];
        return;
      }
      setStatus("Reconnecting\u2026");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  function receive(frame) {
    if (frame.type === "welcome") {
      localStorage.setItem(storageKey, frame.session);
      linkToken = null;
      retry = 500;
      ready = true;
      setStatus("");
      var queued = outbox;
      outbox = [];
      queued.forEach(function (waiting) { socket.send(JSON.stringify(waiting)); });
    } else if (frame.type === "entries") {
      frame.entries.forEach(show);
    } else if (frame.type === "typing") {
      showTyping(true);
    } else if (frame.type === "ack") {
      var bubble = pending[frame.id];
      if (bubble) bubble.classList.remove("pending");
      delete frames[frame.id];
      resend = 1000;
      setStatus("");
    } else if (frame.type === "error" && frame.code === "unavailable" && frames[frame.id]) {
      setStatus("Reconnecting\u2026");  // kept, and sent again (its id makes that safe)
      setTimeout(function () { sendAgain(frame.id); }, resend);
      resend = Math.min(resend * 2, 8000);
    } else if (frame.type === "error") {
      delete frames[frame.id];
      var failed = frame.id && pending[frame.id];
      if (failed) {
        failed.classList.remove("pending");
        failed.classList.add("failed");
        failed.appendChild(meta("Not sent: " + frame.message));
        delete pending[frame.id];
      } else {
        setStatus(frame.message);
      }
    } else if (frame.type === "status") {
      setStatus(frame.state === "reconnecting" ? "Reconnecting\u2026" : "");
    }
  }

  function show(entry) {
    lastId = entry.id;
    if (shown[entry.id]) return;
    shown[entry.id] = true;
    if (entry.from === "customer") {
      var mine = entry.client_id && pending[entry.client_id];
      if (mine) {
        mine.classList.remove("pending");
        delete pending[entry.client_id];
        return;
      }
      append(bubble("customer", entry.text, entry.channel));
      return;
    }
    showTyping(false);
    clearQuick();
    append(render(entry));
  }

  function bubble(kind, text, channel) {
    var element = document.createElement("div");
    element.className = "msg " + kind;
    element.textContent = text;
    if (channel && channel !== "webchat") element.appendChild(meta("via " + channel));
    return element;
  }

  function meta(text) {
    var element = document.createElement("span");
    element.className = "meta";
    element.textContent = text;
    return element;
  }

  function render(entry) {
    var message = entry.message;
    var element = document.createElement("div");
    element.className = "msg " + entry.from;
    if (message.type === "text") {
      markup(element, message.text, message.format === "markdown");
      choices(element, message.buttons);
      (message.quick_replies || []).forEach(function (button) {
        if (button.kind === "postback" || !button.kind) quick.appendChild(choice(button));
      });
    } else if (message.type === "media") {
      if (message.kind === "image") {
        var image = document.createElement("img");
        image.src = safeUrl(message.url);
        image.alt = message.caption || "Image";
        element.appendChild(image);
      } else {
        element.appendChild(link(message.name || message.url, message.url));
      }
      if (message.caption) element.appendChild(document.createTextNode(message.caption));
      choices(element, message.buttons);
    } else if (message.type === "card") {
      element.classList.add("card");
      var heading = document.createElement("strong");
      heading.textContent = message.title;
      element.appendChild(heading);
      if (message.image_url) {
        var picture = document.createElement("img");
        picture.src = safeUrl(message.image_url);
        picture.alt = message.title;
        element.appendChild(picture);
      }
      if (message.subtitle) element.appendChild(document.createTextNode(message.subtitle));
      choices(element, message.buttons);
    }
    if (entry.channel && entry.channel !== "webchat") element.appendChild(meta("via " + entry.channel));
    if (entry.from === "agent") element.appendChild(meta("Agent"));
    return element;
  }

  function choices(element, buttons) {
    if (!buttons || !buttons.length) return;
    var group = document.createElement("div");
    group.className = "choices";
    buttons.forEach(function (button) { group.appendChild(choice(button)); });
    element.appendChild(group);
  }

  function choice(button) {
    if (button.kind === "url") return link(button.title, button.url);
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = button.title;
    element.addEventListener("click", function () { press(button); });
    return element;
  }

  function link(text, url) {
    var anchor = document.createElement("a");
    anchor.textContent = text;
    anchor.href = safeUrl(url);
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    return anchor;
  }

  function safeUrl(url) { return /^https?:\/\//i.test(url || "") ? url : "about:blank"; }

  // The markup subset: **bold**, _italic_, `code`, [label](https://...); everything else is text.
  var TOKEN = /\*\*(.+?)\*\*|(^|[^\w_])_([^_\n]+?)_(?![\w_])|`([^`\n]+)`|\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g;
  function markup(element, text, rich) {
    if (!rich) { element.appendChild(document.createTextNode(text)); return; }
    var position = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text))) {
      var start = match.index + (match[2] ? match[2].length : 0);
      element.appendChild(document.createTextNode(text.slice(position, start)));
      var node;
      if (match[1] !== undefined) { node = document.createElement("strong"); node.textContent = match[1]; }
      else if (match[3] !== undefined) { node = document.createElement("em"); node.textContent = match[3]; }
      else if (match[4] !== undefined) { node = document.createElement("code"); node.textContent = match[4]; }
      else { node = link(match[5], match[6]); }
      element.appendChild(node);
      position = TOKEN.lastIndex;
    }
    element.appendChild(document.createTextNode(text.slice(position)));
  }

  function append(element) {
    var typing = log.querySelector(".typing");
    log.insertBefore(element, typing);
    log.scrollTop = log.scrollHeight;
  }

  function showTyping(on) {
    var typing = log.querySelector(".typing");
    clearTimeout(typingTimer);
    if (on && !typing) {
      typing = document.createElement("div");
      typing.className = "typing";
      typing.setAttribute("aria-hidden", "true");
      typing.textContent = "\u2026";
      log.appendChild(typing);
      log.scrollTop = log.scrollHeight;
    }
    if (!on && typing) typing.remove();
    if (on) typingTimer = setTimeout(function () { showTyping(false); }, 15000);
  }

  function clearQuick() { quick.textContent = ""; }

  function sendAgain(id) {
    var frame = frames[id];
    if (!frame) return;
    if (ready && socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    else outbox.push(frame);
  }

  function send(frame, text) {
    var element = bubble("customer pending", text);
    pending[frame.id] = element;
    frames[frame.id] = frame;
    append(element);
    clearQuick();
    if (ready && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
    } else {
      outbox.push(frame);  // sent once the chat is connected; its id makes a resend safe
      connect();
    }
  }

  function press(button) {
    send({ type: "button", id: newId(), payload: button.payload, title: button.title }, button.title);
    input.focus();
  }

  /* "The customer is typing", for the agent console: at most once every 3 seconds of typing
     (sending a message starts afresh), and only on a connected chat (nothing is queued). */
  input.addEventListener("input", function () {
    var now = Date.now();
    if (!input.value || now - typedAt < 3000) return;
    if (ready && socket && socket.readyState === WebSocket.OPEN) {
      typedAt = now;
      socket.send(JSON.stringify({ type: "typing" }));
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    typedAt = 0;  // sent: the next keystroke starts new typing
    send({ type: "message", id: newId(), text: text }, text);
  });

  function open() {
    opened = true;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Hide chat");
    connect();
    input.focus();
  }

  function close() {
    opened = false;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Open chat");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { (opened ? close : open)(); });
  $(".close").addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });

  window.omnibot = { open: open, close: close };
  function mount() {
    document.body.appendChild(host);
    if (script.getAttribute("data-open") === "true" || linkToken) open();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
