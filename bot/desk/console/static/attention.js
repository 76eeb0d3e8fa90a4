/* omnibot agent console: nothing missed. Unread markers on the queue's cards (what customers
 * wrote since the agent last looked), a "new messages" button when the transcript is scrolled
 * up, the count in the tab's title, "customer is typing…", and opt-in desktop notifications and
 * sound for newly waiting customers and conversations transferred to the agent (asked for only
 * when the agent clicks). See docs/agents.md.
 */
(() => {
  "use strict";

  const desk = window.omnibotConsole;
  const $ = (id) => document.getElementById(id);
  const TITLE = "Agent console";
  const TYPING_SHOWN = 6000;

  const state = {
    agent: null,
    unread: {},       // customer -> messages since the agent last looked (0: a marker without a count)
    lastWrote: {},    // customer -> when they last wrote, as the queue says
    seen: {},         // customer -> when they had last written when the agent last looked (kept per agent)
    waiting: null,    // the ids waiting at the last look (null: no look yet)
    mine: null,       // the ids the agent held at the last look (null: no look yet)
    queue: { waiting: [], mine: [] },
    opened: null,     // the conversation on screen, as last drawn
    typingTimer: null,
    audio: null,
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* Settings and "last looked" survive a reload, in this browser, per agent. */
  const key = (what) => "omnibot.console." + what + "." + (state.agent || (desk.me && desk.me.agent));

  function load(what, fallback) {
    try {
      const value = JSON.parse(localStorage.getItem(key(what)));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  const save = (what, value) => {
    try { localStorage.setItem(key(what), JSON.stringify(value)); } catch (error) { /* private mode */ }
  };

  /* Unread: what customers wrote since the agent last looked at the conversation (its newest
     message on screen in the open one). */
  function looked(customer) {
    if (!customer) return;
    delete state.unread[customer];
    if (state.lastWrote[customer]) state.seen[customer] = state.lastWrote[customer];
    save("seen", state.seen);
    drawMarkers();
  }

  function isUnread(customer) {
    if (customer in state.unread) return true;
    const wrote = state.lastWrote[customer];
    return Boolean(wrote) && (!state.seen[customer] || Date.parse(wrote) > Date.parse(state.seen[customer]));
  }

  function drawMarkers() {
    for (const card of document.querySelectorAll(".pick[data-customer]")) {
      const customer = card.dataset.customer;
      let marker = card.querySelector(".unread");
      if (!isUnread(customer)) {
        if (marker) marker.remove();
        continue;
      }
      if (!marker) {
        marker = el("span", "unread");
        card.insertBefore(marker, card.children[1] || null);
      }
      const count = state.unread[customer] || 0;
      marker.textContent = count ? count + " new" : "New";
      marker.setAttribute("aria-label", count ? count + " new message" + (count > 1 ? "s" : "") : "New messages");
    }
    drawTitle();
  }

  /* "(2) Agent console": the conversations that need the agent (waiting in the queue, or
     theirs with unread messages). */
  function drawTitle() {
    if (!desk.me) return;
    const needing = new Set(state.queue.waiting.map((item) => item.customer));
    for (const item of state.queue.mine) if (isUnread(item.customer)) needing.add(item.customer);
    document.title = needing.size ? "(" + needing.size + ") " + TITLE : TITLE;
  }

  function onQueue(queue) {
    state.queue = queue;
    for (const item of [...queue.waiting, ...queue.mine]) {
      if (item.last_wrote) state.lastWrote[item.customer] = item.last_wrote;
    }
    const transcript = $("transcript");
    if (desk.open && atBottom(transcript) && !$("open").hidden) looked(desk.open);
    drawMarkers();
    const ids = queue.waiting.map((item) => item.customer);
    if (state.waiting !== null) {
      const fresh = queue.waiting.filter((item) => !state.waiting.has(item.customer));
      if (fresh.length) alert(fresh, WAITING);
    }
    state.waiting = new Set(ids);
    transferred(queue.mine);
  }

  /* A conversation that became the agent's while they were not on it was transferred to them
     (what they claim or reopen, they have open): it is marked new, counted in the title until
     they look, and alerted as a waiting customer is. */
  function transferred(mine) {
    const ids = mine.map((item) => item.customer);
    if (state.mine !== null) {
      const fresh = mine.filter((item) => !state.mine.has(item.customer) && item.customer !== desk.open);
      for (const item of fresh) state.unread[item.customer] = state.unread[item.customer] || 0;
      if (fresh.length) {
        drawMarkers();
        alert(fresh, TRANSFERRED);
      }
    }
    state.mine = new Set(ids);
  }

  function onSaid(customer) {
    if (customer === desk.open && atBottom($("transcript")) && !document.hidden) return;
    state.unread[customer] = (state.unread[customer] || 0) + 1;
    drawMarkers();
  }

  /* The "new messages" button: a customer's message came while the transcript was scrolled up. */
  const atBottom = (list) => list.scrollHeight - list.scrollTop - list.clientHeight < 40;

  function onEntries(detail) {
    const pill = $("new-messages");
    if (detail.atEnd) {
      if (detail.news.length) hideTyping();
      clearPill();
      return;
    }
    if (!detail.news.length) return;
    hideTyping();
    const count = Number(pill.dataset.count || 0) + detail.news.length;
    pill.dataset.count = String(count);
    pill.textContent = count === 1 ? "1 new message \u2193" : count + " new messages \u2193";
    pill.hidden = false;
  }

  function toNewest() {
    const list = $("transcript");
    list.scrollTop = list.scrollHeight;
    clearPill();
    looked(desk.open);
  }

  function clearPill() {
    const pill = $("new-messages");
    pill.hidden = true;
    pill.dataset.count = "0";
  }

  /* "Customer is typing…", for channels that say so (the web chat), for a few seconds. */
  function onTyping(customer) {
    if (customer !== desk.open) return;
    const line = $("typing");
    line.textContent = "Customer is typing\u2026";
    line.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, TYPING_SHOWN);
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    $("typing").hidden = true;
  }

  /* Desktop notifications and sound for newly waiting customers and conversations transferred
     to the agent: off until the agent turns them on (the browser asks for notifications then,
     on that click). */
  const WAITING = { one: "A customer is waiting", many: "Customers are waiting", tag: "omnibot-waiting" };
  const TRANSFERRED = {
    one: "A conversation was transferred to you", many: "Conversations were transferred to you", tag: "omnibot-transferred",
  };

  function alert(fresh, what) {
    const names = fresh.map((item) => desk.displayName(item));
    if (load("sound", false)) beep();
    if (!load("desktop", false) || !("Notification" in window) || Notification.permission !== "granted") return;
    const body = fresh.length === 1
      ? names[0] + (fresh[0].goal ? ": " + fresh[0].goal : "")
      : fresh.length + " customers: " + names.join(", ");
    const note = new Notification(fresh.length === 1 ? what.one : what.many, { body, tag: what.tag });
    note.onclick = () => {
      window.focus();
      desk.openConversation(fresh[0].customer);
      note.close();
    };
  }

  /* A short two-tone beep made with the Web Audio API: no sound file to serve. */
  function beep() {
    const context = state.audio;
    if (!context) return;
    if (context.state === "suspended") context.resume();
    const start = context.currentTime;
    [880, 660].forEach((frequency, index) => {
      const tone = context.createOscillator(), gain = context.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + index * 0.16);
      gain.gain.exponentialRampToValueAtTime(0.2, start + index * 0.16 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + index * 0.16 + 0.15);
      tone.connect(gain).connect(context.destination);
      tone.start(start + index * 0.16);
      tone.stop(start + index * 0.16 + 0.16);
    });
  }

  async function toggleDesktop() {
    const button = $("alert-desktop");
    if (load("desktop", false)) return setToggle(button, "desktop", false, "Desktop alerts are off.");
    if (!("Notification" in window)) return desk.announce("This browser has no desktop notifications.");
    const permission = Notification.permission === "default"
      ? await Notification.requestPermission() : Notification.permission;
    if (permission !== "granted") {
      return desk.announce("The browser blocks notifications for this page: allow them in its site settings.");
    }
    setToggle(button, "desktop", true, "Desktop alerts are on for new waiting customers and transfers to you.");
  }

  function toggleSound() {
    const on = !load("sound", false);
    if (on && !state.audio && window.AudioContext) state.audio = new AudioContext();
    setToggle($("alert-sound"), "sound", on, on ? "Sound is on for new waiting customers and transfers to you." : "Sound is off.");
    if (on) beep();
  }

  function setToggle(button, what, on, said) {
    save(what, on);
    button.setAttribute("aria-pressed", String(on));
    desk.announce(said);
  }

  function onSignedIn(me) {
    state.agent = me.agent;
    state.seen = load("seen", {});
    state.unread = {};
    state.waiting = null;
    state.mine = null;
    const granted = "Notification" in window && Notification.permission === "granted";
    $("alert-desktop").setAttribute("aria-pressed", String(load("desktop", false) && granted));
    $("alert-sound").setAttribute("aria-pressed", String(load("sound", false)));
  }

  function onConversation(view) {
    const customer = view.customer.customer;
    if (customer !== state.opened) {
      state.opened = customer;
      clearPill();
      hideTyping();
    }
    if (view.customer.last_wrote) state.lastWrote[customer] = view.customer.last_wrote;
  }

  /* Once the conversation is drawn whole (and scrolled to its newest entry when it was there). */
  function onDrawn(view) {
    if (atBottom($("transcript")) && !document.hidden) looked(view.customer.customer);
  }

  function start() {
    document.addEventListener("console:signed-in", (event) => onSignedIn(event.detail));
    document.addEventListener("console:queue", (event) => onQueue(event.detail));
    document.addEventListener("console:said", (event) => onSaid(event.detail));
    document.addEventListener("console:typing", (event) => onTyping(event.detail));
    document.addEventListener("console:entries", (event) => onEntries(event.detail));
    document.addEventListener("console:conversation", (event) => onConversation(event.detail));
    document.addEventListener("console:drawn", (event) => onDrawn(event.detail));
    document.addEventListener("console:to-newest", toNewest);
    $("new-messages").addEventListener("click", () => {
      toNewest();
      $("transcript").focus();
    });
    $("transcript").addEventListener("scroll", () => {
      if (!atBottom($("transcript"))) return;
      if (!$("new-messages").hidden) clearPill();
      if (desk.open && isUnread(desk.open)) looked(desk.open);  // scrolled down to it by hand
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && desk.open && atBottom($("transcript"))) looked(desk.open);
    });
    $("alert-desktop").addEventListener("click", toggleDesktop);
    $("alert-sound").addEventListener("click", toggleSound);
  }

  start();
})();
