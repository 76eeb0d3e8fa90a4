/* omnibot agent console: a plain script, no framework and no build step, served under a strict
 * Content-Security-Policy (no inline code or style). Whatever comes from customers reaches the
 * page through textContent only. The HTTP API and the websocket are described in docs/agents.md.
 */
(() => {
  "use strict";

  const API = "/agent/api";
  const CHANNELS = { webchat: "Web chat", sms: "SMS", telegram: "Telegram", slack: "Slack", whatsapp: "WhatsApp", email: "E-mail" };
  const EVENTS = {
    handoff: "Handoff", linking: "Linked", unlink: "Unlinked", error: "Error",
    undeliverable: "Not delivered", opted_out: "Stopped", unreachable: "Unreachable", action_failed: "Action failed",
  };
  const STATUSES = {
    waiting: "Waiting in the queue", agent: "With an agent", bot: "With the bot",
    open: "With the bot", resolved: "Resolved",
  };
  const KINDS = { phone: "Phone", email: "E-mail", external_id: "Customer id" };
  const DAY = 86400000;
  const RETRY_FIRST = 500, RETRY_MOST = 15000, TICK = 15000;

  const state = {
    me: null,         // the session: {agent, csrf, agents, flows}
    open: null,       // the id of the conversation on screen
    asked: 0,         // conversation requests made, and the newest one drawn: an answer
    drawn: 0,         //   overtaken by a newer one is dropped
    shown: new Set(), // transcript entry ids already on screen
    messages: {},     // message_id -> the head of its entry, where delivery statuses go
    loaded: false,    // the open transcript was drawn once (what comes later is news)
    waiting: -1,      // how many were waiting at the last look (-1: no look yet)
    socket: null,
    retry: RETRY_FIRST,
    timer: null,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const channelName = (channel) => CHANNELS[channel] || channel || "No channel";
  /* A language by its name in the agent's own language ("English", "Brazilian Portuguese"),
     from the browser's Intl; the code itself where the browser cannot name it. */
  const languageName = (code) => {
    if (!code) return "not known";
    try {
      return new Intl.DisplayNames([navigator.language || "en"], { type: "language" }).of(code) || code;
    } catch (error) {
      return code;
    }
  };

  function channelTag(channel) {
    return el("span", "channel ch-" + (CHANNELS[channel] ? channel : "other"), channelName(channel));
  }

  /* A moment in the agent's locale: "today 14:03", "yesterday 09:12", "5 Dec, 14:03" (with the
     year when it is not this one); the full ISO time in the title. */
  function when(at) {
    const date = new Date(at), now = new Date();
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY);
    if (days === 0 || days === 1) {
      const relative = new Intl.RelativeTimeFormat([], { numeric: "auto" }).format(-days, "day");
      return relative + " " + time;
    }
    const options = { day: "numeric", month: "short" };
    if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
    return date.toLocaleDateString([], options) + ", " + time;
  }

  function startOfDay(date) {
    const day = new Date(date);
    day.setHours(0, 0, 0, 0);
    return day.getTime();
  }

  function clock(at) {
    const node = el("time", "at", when(at));
    node.dateTime = at;
    node.title = at;
    return node;
  }

  /* The channels a customer used, first used first: "Web chat → SMS". */
  function channelTrail(channels) {
    const trail = el("span", "channels");
    const names = (channels || []).map(channelName);
    trail.setAttribute("aria-label", "Channels used: " + (names.join(", ") || "none"));
    (channels || []).forEach((channel, index) => {
      if (index) trail.append(el("span", "then", " \u2192 "));
      trail.append(channelTag(channel));
    });
    return trail;
  }

  function waited(seconds) {
    const minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "under 1 min";
    if (minutes < 60) return minutes + " min";
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function displayName(customer) {
    if (customer.name && typeof customer.name === "string") return customer.name;
    const verified = customer.verified || [];
    const contact = verified.find((fact) => fact.startsWith("phone:"))
      || verified.find((fact) => fact.startsWith("email:"));
    return contact ? contact.slice(contact.indexOf(":") + 1) : "Customer " + customer.customer.slice(0, 7);
  }

  /* What the customer told, in the flows' words: "Order number: A-12345". */
  function summaryLines(readable) {
    return ((readable && readable.facts) || []).map((fact) => fact.label + ": " + fact.value);
  }

  const announce = (text) => { $("announce").textContent = text; };

  /* The page's other scripts (actions.js, attention.js) follow what this one draws. */
  const tell = (name, detail) => document.dispatchEvent(new CustomEvent("console:" + name, { detail }));

  function banner(text) {
    $("banner").textContent = text;
    $("banner").hidden = !text;
  }

  /* The API: every answer as {status, ok, data} (status 0: the server cannot be reached); a 401
   * means the session is gone. */
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: {} };
    if (method !== "GET" && state.me) options.headers["X-CSRF-Token"] = state.me.csrf;
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(API + path, options);
    } catch (error) {
      return { status: 0, ok: false, data: { error: "the server cannot be reached" } };
    }
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && state.me) askToSignIn(data);
    return { status: response.status, ok: response.ok, data };
  }

  /* Signing in and out. */
  function askToSignIn(info) {
    state.me = null;
    stopLive();
    closeConversation();
    $("desk").hidden = $("who").hidden = $("live").hidden = true;
    $("sign-in").hidden = false;
    document.title = "Agent console";
    let problem = "";
    if (info && info.configured === false) problem = "No agents are set up: see OMNIBOT_AGENT_TOKENS in docs/agents.md.";
    else if (info && info.error && info.error !== "signed_out") problem = "Not signed in: " + info.error + ".";
    $("sign-in-error").textContent = problem;
    /* Only the ways to sign in that are set up: no password form without a users file. */
    const methods = info && Array.isArray(info.methods) ? info.methods : ["token", "password"];
    $("token-form").hidden = !methods.includes("token");
    $("password-form").hidden = !methods.includes("password");
    $("sign-in-or").hidden = $("token-form").hidden || $("password-form").hidden;
    $(methods.includes("token") || !methods.length ? "token" : "name").focus();
  }

  async function submitSignIn(event) {
    event.preventDefault();
    const body = event.target.id === "token-form"
      ? { token: $("token").value.trim() }
      : { name: $("name").value.trim(), password: $("password").value };
    const answer = await api("POST", "/session", body);
    if (!answer.ok) {
      $("sign-in-error").textContent = "Not signed in: " + (answer.data.error || "the server said " + answer.status) + ".";
      return;
    }
    $("token-form").reset();
    $("password-form").reset();
    signedIn(answer.data);
  }

  function signedIn(me) {
    state.me = me;
    $("sign-in").hidden = true;
    $("desk").hidden = $("who").hidden = false;
    $("who-name").textContent = "Signed in as " + me.agent;
    $("insights-link").hidden = !me.manager;
    connect();
    refreshQueue();
    tell("signed-in", me);
  }

  async function signOut() {
    await api("DELETE", "/session");
    askToSignIn(null);
  }

  /* The queue: waiting customers (oldest first), mine, and who is online. */
  async function refreshQueue() {
    const answer = await api("GET", "/queue");
    if (!answer.ok || !state.me) return;
    const queue = answer.data;
    drawItems("waiting", queue.waiting);
    drawItems("mine", queue.mine);
    const away = (name) => (queue.presence && queue.presence[name] === "away" ? " (away)" : "");
    $("online").replaceChildren(...queue.online.map((name) => el("li", name === state.me.agent ? "me" : "", name + away(name))));
    const count = queue.waiting.length;
    tell("queue", queue);
    if (state.waiting >= 0 && count > state.waiting) announce(count + " waiting in the queue.");
    state.waiting = count;
  }

  function drawItems(list, items) {
    $(list).replaceChildren(...items.map(queueItem));
    $(list + "-count").textContent = items.length;
    $(list + "-empty").hidden = items.length > 0;
  }

  function queueItem(item) {
    const button = el("button", "pick");
    button.type = "button";
    button.dataset.customer = item.customer;
    if (item.customer === state.open) button.setAttribute("aria-current", "true");
    const meta = el("span", "meta");
    meta.append(channelTrail(item.channels), el("span", "lang", (item.language || "").toUpperCase()));
    if (item.waiting_seconds !== undefined) {
      const since = el("span", "waited", waited(item.waiting_seconds));
      since.dataset.since = String(Date.now() - item.waiting_seconds * 1000);
      meta.append(since);
    }
    button.append(el("span", "name", displayName(item)), meta);
    if (item.contact_on) button.append(el("span", "contact", "Contact later on " + channelName(item.contact_on)));
    if (item.goal) button.append(el("span", "goal", item.goal));
    if (item.reason) button.append(el("span", "about", item.reason));
    const readable = item.readable || {};
    const slots = [...summaryLines(readable), ...(readable.failed || [])];
    if (slots.length) button.append(el("span", "slots", slots.join(" · ")));
    button.addEventListener("click", () => openConversation(item.customer));
    const li = el("li", "item");
    li.append(button);
    return li;
  }

  function tick() {
    for (const node of document.querySelectorAll(".waited")) {
      node.textContent = waited((Date.now() - Number(node.dataset.since)) / 1000);
    }
  }

  /* One conversation: who, its state, the whole transcript, what I may do. */
  async function openConversation(customer) {
    if (state.open !== customer) {
      closeConversation();
      state.open = customer;
      $("pick").hidden = true;
      $("open").hidden = false;
      watch();
      for (const button of document.querySelectorAll(".pick[data-customer]")) {
        if (button.dataset.customer === customer) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      }
    }
    await refreshConversation(customer);
    $("customer-name").focus();
  }

  function closeConversation() {
    state.open = null;
    state.shown = new Set();
    state.messages = {};
    state.loaded = false;
    $("transcript").replaceChildren();
    $("action-error").textContent = "";
    $("open").hidden = true;
    $("pick").hidden = false;
  }

  async function refreshConversation(customer) {
    const asked = ++state.asked;
    const answer = await api("GET", "/conversations/" + encodeURIComponent(customer));
    if (state.open !== customer || asked < state.drawn) return;
    state.drawn = asked;
    if (!answer.ok) {
      $("action-error").textContent = "This conversation could not be loaded (" + answer.status + ").";
      return;
    }
    drawHeader(answer.data);
    const atEnd = drawEntries(answer.data.entries, answer.data.customer);
    drawActions(answer.data);
    drawScheduled(answer.data);
    drawProfile(answer.data);
    tell("conversation", answer.data);
    /* Again once everything around the transcript is drawn (the actions, the reply's channel,
       the reopen line): each may have shortened it and hidden the newest entries. */
    if (atEnd) toEnd();
    tell("drawn", answer.data);
  }

  function toEnd() {
    const list = $("transcript");
    list.scrollTop = list.scrollHeight;
  }

  /* What is scheduled for the customer (their flows' waits, follow-ups), soonest first; a
     follow-up can be cancelled. Times are the customer's own, as the server gives them. */
  function drawScheduled(view) {
    drawFlowChoice((view.actions && view.actions.flows) || []);
    const items = view.scheduled || [];
    $("scheduled-empty").hidden = items.length > 0;
    $("follow-up-zone").textContent = "the customer's time (" + view.timezone + ")";
    $("scheduled").replaceChildren(...items.map((item) => {
      const row = el("li", "", "");
      const when = el("time", "at", item.due_at.slice(0, 16).replace("T", " "));
      when.dateTime = item.due_at;
      row.append(when, el("span", "", item.why));
      if (item.cancellable) {
        const cancel = el("button", "quiet", "Cancel");
        cancel.type = "button";
        cancel.setAttribute("aria-label", "Cancel the follow-up at " + when.textContent);
        cancel.addEventListener("click", () => act("cancel_follow_up", { key: item.key }));
        row.append(cancel);
      }
      return row;
    }));
  }

  /* The flows a follow-up may start, by their titles in the agent's language (the same as the
     resolve dialog's); kept as they are while unchanged, so a choice being made stays. */
  function drawFlowChoice(flows) {
    const select = $("follow-up-flow"), drawn = JSON.stringify(flows);
    if (select.dataset.flows === drawn) return;
    const chosen = select.value;
    const none = el("option", "", "no flow");
    none.value = "";
    select.replaceChildren(none, ...flows.map((flow) => {
      const option = el("option", "", flow.title);
      option.value = flow.name;
      return option;
    }));
    select.value = flows.some((flow) => flow.name === chosen) ? chosen : "";
    select.dataset.flows = drawn;
  }

  async function scheduleFollowUp(event) {
    event.preventDefault();
    const text = $("follow-up-text").value.trim(), flow = $("follow-up-flow").value;
    const body = { at: $("follow-up-at").value, why: $("follow-up-why").value.trim() };
    if (text) body.text = text;
    if (flow) body.flow = flow;
    if (await act("follow_up", body)) {
      for (const id of ["follow-up-at", "follow-up-text", "follow-up-flow", "follow-up-why"]) $(id).value = "";
    }
  }

  function drawHeader(view) {
    const customer = view.customer;
    $("customer-name").textContent = displayName(customer);
    const facts = [
      ["Status", statusText(view)],
      ["Agent", agentText(view)],
      ["Channels", channelTrail(customer.channels)],
      ["Language", languageName(customer.language)],
    ];
    if (customer.contact_on) facts.splice(1, 0, ["Contact on", channelName(customer.contact_on)]);
    $("facts").replaceChildren(...facts.map(([term, value]) => fact(term, value)));
    drawSummary(customer);
  }

  /* Who has or had the conversation: its holder, who resolved it (the status says when), or
     nobody yet. */
  function agentText(view) {
    if (view.holder) return view.holder;
    const thread = view.thread;
    if (thread && thread.status === "resolved" && thread.agent) {
      return thread.agent + " (resolved it)";
    }
    return "nobody yet";
  }

  function fact(term, value) {
    const group = el("div", "fact");
    const definition = el("dd", "");
    definition.append(value);
    group.append(el("dt", "", term), definition);
    return group;
  }

  /* Where the conversation is: with someone, in the queue (and where), or with the bot. */
  function statusText(view) {
    const customer = view.customer, holder = view.holder;
    if (holder) return holder === state.me.agent ? "With you" : "With " + holder;
    if (customer.status === "waiting" || view.queued) {
      return "Waiting in the queue" + (view.queued ? " (number " + view.queued + ")" : "");
    }
    if (customer.contact_on) return "Waiting to be contacted on " + channelName(customer.contact_on);
    const thread = view.thread;
    if (thread && thread.status === "resolved") {
      return "Resolved" + (thread.agent ? " by " + thread.agent : "") + (thread.resolved_at ? ", " + when(thread.resolved_at) : "");
    }
    return STATUSES[customer.status] || customer.status;
  }

  /* The handoff's summary in words: what the customer came for, why they were handed over,
     what they told, and what failed. */
  function drawSummary(customer) {
    const readable = customer.readable || {}, parts = [];
    if (readable.goal) parts.push(labelled("goal", "Came for", readable.goal));
    if (customer.reason) parts.push(labelled("reason", "Handed over", customer.reason));
    const told = readable.facts || [];
    if (told.length) {
      const list = el("dl", "told");
      list.append(...told.map((item) => fact(item.label, item.value)));
      parts.push(list);
    }
    for (const failure of readable.failed || []) parts.push(el("p", "failed", failure));
    $("summary").replaceChildren(...parts);
    $("summary").hidden = !parts.length;
  }

  function labelled(className, label, text) {
    const line = el("p", className);
    line.append(el("span", "label", label + ": "), el("span", "", text));
    return line;
  }

  /* The customer at a glance: who, where they wrote, what they agreed to, what is planned for
     them, and their earlier conversations. */
  function drawProfile(view) {
    const profile = view.profile || {};
    const facts = [["Name", profile.name || "not given"]];
    for (const item of profile.verified || []) {
      const value = el("span", "", item.value + " ");
      value.append(el("span", "hint", "verified by " + issuerName(item.issuer)));
      facts.push([KINDS[item.kind] || item.kind, value]);
    }
    facts.push(["Language", languageName(profile.language)]);
    facts.push(["Prefers", profile.preferred ? channelName(profile.preferred) : "no channel named"]);
    $("profile-facts").replaceChildren(...facts.map(([term, value]) => fact(term, value)));
    listOr("profile-channels", (profile.channels || []).map(channelRow), "No channel yet.");
    listOr("profile-consent", consentRows(profile.consent || {}), "");
    const past = (profile.conversations || []).filter((item) => item.ended);
    listOr("profile-past", past.reverse().map(pastRow), "No earlier conversation with the team.");
  }

  function issuerName(issuer) {
    const [channel, ...rest] = String(issuer).split(":");
    return CHANNELS[channel] ? [CHANNELS[channel], ...rest].join(" ") : issuer;
  }

  function listOr(id, rows, empty) {
    $(id).replaceChildren(...(rows.length || !empty ? rows : [el("li", "empty", empty)]));
  }

  function channelRow(row) {
    const li = el("li", "");
    li.append(channelTag(row.channel));
    if (row.first) li.append(el("span", "", " first "), clock(row.first));
    if (row.last) li.append(el("span", "", " \u00b7 last "), clock(row.last));
    if (row.opted_out) li.append(el("span", "flag", " said stop"));
    if (row.unreachable) li.append(el("span", "flag", " unreachable"));
    return li;
  }

  function consentRows(consent) {
    const marketing = el("li", "");
    if (consent.marketing === null || consent.marketing === undefined) {
      marketing.append("Marketing: never asked");
    } else {
      marketing.append("Marketing: " + (consent.marketing ? "yes" : "no") + ", ");
      marketing.append(clock(consent.at));
      if (consent.channel) marketing.append(" on " + channelName(consent.channel));
    }
    const stopped = (consent.opted_out || []).map(channelName);
    return [marketing, el("li", "", "Opted out: " + (stopped.join(", ") || "no channel"))];
  }

  function pastRow(item) {
    const li = el("li", "");
    li.append(clock(item.at), " " + item.reason + " \u2014 " + (item.outcome || "ended") + " ");
    li.append(clock(item.ended));
    return li;
  }

  function drawEntries(entries, customer) {
    const list = $("transcript");
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const news = [];
    for (const entry of entries) {
      if (state.shown.has(entry.id)) continue;
      state.shown.add(entry.id);
      if (entry.from === "status") {
        attachStatus(entry);
        continue;
      }
      list.append(entryNode(entry, customer));
      if (entry.from === "customer") news.push(entry);
    }
    if (state.loaded && news.length) {
      const last = news[news.length - 1];
      announce("New message on " + channelName(last.channel) + ": " + last.text);
    }
    if (!state.loaded || atEnd) toEnd();
    tell("entries", { customer: state.open, news: state.loaded ? news : [], atEnd: !state.loaded || atEnd });
    const stick = !state.loaded || atEnd;
    state.loaded = true;
    return stick;
  }

  function entryNode(entry, customer) {
    if (entry.from === "note") return noteNode(entry);
    const li = el("li", "entry " + entry.from);
    const head = el("p", "head");
    const who = entry.from === "customer" ? displayName(customer)
      : entry.from === "agent" ? (entry.agent || "An agent") + " (agent)" : "Bot";
    head.append(el("span", "author", who), channelTag(entry.channel), clock(entry.at));
    li.append(head);
    if (entry.from === "customer") li.append(el("p", "text", entry.text));
    else li.append(...messageBody(entry.message));
    if (entry.message_id) state.messages[entry.message_id] = head;
    return li;
  }

  function messageBody(message) {
    const parts = [];
    if (message.type === "text") parts.push(el("p", "text", message.text));
    if (message.type === "template") {
      parts.push(el("p", "text", message.text), el("span", "hint", "template " + message.name));
    }
    if (message.type === "card") {
      parts.push(el("p", "text title", message.title));
      if (message.subtitle) parts.push(el("p", "text", message.subtitle));
    }
    if (message.type === "media") {
      parts.push(el("p", "text", "(" + message.kind + ") " + (message.caption || message.name || message.url)));
    }
    const buttons = [...(message.buttons || []), ...(message.quick_replies || [])];
    if (buttons.length) {
      const options = el("ul", "options");
      options.setAttribute("aria-label", "Options offered");
      options.append(...buttons.map((button) => el("li", "", button.title)));
      parts.push(options);
    }
    return parts;
  }

  function noteNode(entry) {
    if (entry.kind !== "agent_note") {
      const label = EVENTS[entry.kind];
      const line = el("li", "event", (label ? label + ": " : "") + entry.text + " ");
      line.append(clock(entry.at));
      return line;
    }
    const note = el("li", "entry internal");
    const head = el("p", "head");
    head.append(
      el("span", "author", "Internal note \u2014 the customer doesn't see this"),
      el("span", "by", entry.agent || ""),
      clock(entry.at),
    );
    note.append(head, el("p", "text", entry.text));
    return note;
  }

  function attachStatus(entry) {
    const head = state.messages[entry.message_id];
    const failed = entry.status === "failed" || entry.status === "undeliverable";
    const text = entry.status + (failed && entry.detail ? ": " + entry.detail : "");
    if (!head) {
      $("transcript").append(el("li", "event", "A message was " + text));
      return;
    }
    const badge = head.querySelector(".delivery") || el("span");
    badge.className = "delivery " + entry.status;
    badge.textContent = text;
    badge.title = entry.detail || "";
    head.append(badge);
  }

  function drawActions(view) {
    const customer = view.customer, holder = view.holder;
    const onDesk = customer.status !== "bot" || Boolean(customer.contact_on);
    const mine = holder === state.me.agent;
    $("claim").disabled = !onDesk || Boolean(holder);
    $("claim").textContent = mine ? "Claimed" : holder ? "Held by " + holder : "Claim";
    $("release").disabled = $("resolve").disabled = !mine;
    $("transfer").disabled = !mine;
    $("reply").disabled = $("send").disabled = !mine;
    $("reply").placeholder = mine ? "Write to the customer"
      : holder ? holder + " has this conversation" : "Claim the conversation to reply";
    drawWindow(view.window);
  }

  /* WhatsApp's 24-hour window: when it is closed, a reply goes as the approved template (or on
     another channel), and the agent is told before writing. */
  function drawWindow(window) {
    const closed = Boolean(window) && !window.open;
    $("window").hidden = !closed;
    $("send").textContent = closed && window.then && window.then.startsWith("template ")
      ? "Send as template" : "Send";
    if (!closed) return;
    const where = channelName(window.channel);
    const then = !window.then ? "your reply cannot reach the customer until they write again."
      : window.then.startsWith("template ")
        ? "your reply goes as the approved " + window.then + ", with your words in it."
        : "your reply goes by " + channelName(window.then) + " instead.";
    $("window").textContent = where + "'s 24-hour window is closed: " + then;
  }

  /* Actions: claim, reply, note, release, transfer, resolve. */
  async function act(action, body) {
    const customer = state.open;
    $("action-error").textContent = "";
    const path = "/conversations/" + encodeURIComponent(customer) + "/" + action;
    const answer = await api("POST", path, body || {});
    if (!answer.ok) $("action-error").textContent = problem(action, answer);
    refreshQueue();
    if (state.open === customer) await refreshConversation(customer);
    return answer.ok;
  }

  function problem(action, answer) {
    const data = answer.data || {};
    if (answer.status === 409 && data.holder && data.holder !== state.me.agent) return data.holder + " took it first.";
    if (answer.status === 409 && action === "claim") return "This conversation is not waiting any more.";
    const what = { follow_up: "schedule the follow-up", cancel_follow_up: "cancel the follow-up" }[action] || action;
    return "Could not " + what + ": " + (data.error || "the server said " + answer.status) + ".";
  }

  async function claim(body) {
    const claimed = await act("claim", body);
    if (claimed) $("reply").focus();
    return claimed;
  }

  async function send(event, action, box) {
    event.preventDefault();
    const text = box.value.trim();
    if (!text || box.readOnly) return;
    box.readOnly = true;  // once: Enter pressed twice sends one message
    try {
      const body = { text };
      if (action === "reply" && box.dataset.channel) body.channel = box.dataset.channel;  // replies.js
      if (await act(action, body)) {
        box.value = "";
        tell("to-newest");  // what the agent just wrote is in view, wherever they had scrolled
      }
    } finally {
      box.readOnly = false;
    }
  }

  function enterSends(box, form) {
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  /* Live updates: the server says what changed, the page fetches it. */
  function connect() {
    if (state.socket || !state.me) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(scheme + "//" + location.host + "/agent/ws");
    state.socket = socket;
    socket.onmessage = (event) => receive(JSON.parse(event.data));
    socket.onclose = () => lost(socket);
  }

  function receive(frame) {
    if (frame.type === "hello") {
      state.retry = RETRY_FIRST;
      banner("");
      $("live").textContent = "Live";
      $("live").hidden = false;
      watch();
      tell("live", frame.agent);
    }
    if (frame.type === "hello" || frame.type === "queue") {
      refreshQueue();
      if (state.open) refreshConversation(state.open);
    } else if (frame.type === "conversation" && frame.customer === state.open) {
      refreshConversation(frame.customer);
    } else if (frame.type === "said" || frame.type === "typing") {
      tell(frame.type, frame.customer);
    }
  }

  function watch() {
    const socket = state.socket;
    if (socket && socket.readyState === WebSocket.OPEN && state.open) {
      socket.send(JSON.stringify({ type: "watch", customer: state.open }));
    }
  }

  /* A frame to the server (presence.js says away and back), when the socket is open. */
  function say(frame) {
    const socket = state.socket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function lost(socket) {
    if (state.socket !== socket) return;
    state.socket = null;
    retryLater();
  }

  function retryLater() {
    if (!state.me) return;
    $("live").hidden = true;
    banner("Reconnecting\u2026");
    state.timer = setTimeout(reconnect, state.retry);
    state.retry = Math.min(state.retry * 2, RETRY_MOST);
  }

  async function reconnect() {
    state.timer = null;
    const answer = await api("GET", "/session");  // a 401 shows the sign-in form
    if (answer.ok) connect();
    else if (answer.status !== 401) retryLater();
  }

  function stopLive() {
    clearTimeout(state.timer);
    state.timer = null;
    const socket = state.socket;
    state.socket = null;
    if (socket) socket.close();
    banner("");
    state.waiting = -1;
  }

  async function start() {
    $("token-form").addEventListener("submit", submitSignIn);
    $("password-form").addEventListener("submit", submitSignIn);
    $("sign-out").addEventListener("click", signOut);
    $("reply-form").addEventListener("submit", (event) => send(event, "reply", $("reply")));
    $("note-form").addEventListener("submit", (event) => send(event, "note", $("note")));
    $("follow-up-form").addEventListener("submit", scheduleFollowUp);
    enterSends($("reply"), $("reply-form"));
    enterSends($("note"), $("note-form"));
    setInterval(tick, TICK);
    const answer = await api("GET", "/session");
    $("loading").hidden = true;
    if (answer.ok) signedIn(answer.data);
    else askToSignIn(answer.data);
  }

  /* What the console's other scripts use: actions.js and attention.js (the claim, release,
     transfer and resolve buttons are theirs: each asks first, saying what the customer will
     see), threads.js (search, tags, reopen) and replies.js (the reply's channel, canned
     responses). They hear the console's news as "console:*" events (see tell). */
  window.omnibotConsole = {
    api, el, when, clock, channelName, channelTrail, displayName, languageName,
    act, claim, announce, openConversation, refreshQueue, say,
    refresh: () => state.open && refreshConversation(state.open),
    get open() { return state.open; },
    get me() { return state.me; },
  };

  // After every deferred script has run, so that theirs hear the first events too.
  document.addEventListener("DOMContentLoaded", start);
})();
