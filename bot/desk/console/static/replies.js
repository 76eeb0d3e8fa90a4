/* omnibot agent console: the reply box's channel, what a reply costs or becomes there, and the
 * team's canned responses. A plain script beside console.js: it draws from the conversation
 * view console.js announces ("console:conversation"), tells console.js the chosen channel
 * through the reply box's data-channel, and only ever writes customers' words with textContent.
 */
(() => {
  "use strict";

  const API = "/agent/api";
  const CHANNELS = { webchat: "Web chat", sms: "SMS", telegram: "Telegram", slack: "Slack", whatsapp: "WhatsApp", email: "E-mail" };
  const LANGUAGES = ["en", "pt", "pt-BR", "es", "fr", "de"];
  const $ = (id) => document.getElementById(id);
  const channelName = (channel) => CHANNELS[channel] || channel;

  const state = {
    me: null,        // {agent, csrf}
    customer: null,  // the open conversation's id
    view: null,      // its last view (the reply's channels under view.reply)
    chosen: {},      // customer -> the channel the agent picked (else the default follows them)
    canned: [],      // the customer's canned responses, filled
    every: [],       // every canned response (the management list)
    active: -1,      // the highlighted canned response in the "/" picker
    editing: null,   // the key of the canned response in the form, or null for a new one
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function call(method, path, body) {
    const options = { method, credentials: "same-origin", headers: {} };
    if (method !== "GET" && state.me) options.headers["X-CSRF-Token"] = state.me.csrf;
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(API + path, options);
      const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
      return { ok: response.ok, status: response.status, data };
    } catch (error) {
      return { ok: false, status: 0, data: { error: "the server cannot be reached" } };
    }
  }

  function moment(at) {
    const date = new Date(at);
    const sameDay = date.toDateString() === new Date().toDateString();
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return sameDay ? "today " + time : date.toLocaleDateString([], { day: "numeric", month: "short" }) + ", " + time;
  }

  /* The channel picker: every channel of the customer's, those that cannot reach them greyed
     with the reason; the agent's pick is kept while it stays reachable. */
  function drawChannels(view) {
    const reply = view.reply || { default: null, channels: [] };
    const select = $("reply-channel");
    const usable = reply.channels.filter((choice) => choice.reachable).map((choice) => choice.channel);
    let chosen = state.chosen[view.customer.customer] || reply.default;
    if (!usable.includes(chosen)) chosen = usable.includes(reply.default) ? reply.default : usable[0] || "";
    select.replaceChildren(...reply.channels.map((choice) => {
      const option = el("option", "", optionText(choice));
      option.value = choice.channel;
      option.disabled = !choice.reachable;
      if (!choice.reachable) option.title = choice.why;
      return option;
    }));
    select.value = chosen;
    $("reply-to").hidden = !reply.channels.length;
    const blocked = reply.channels.filter((choice) => !choice.reachable);
    $("reply-blocked").replaceChildren(...blocked.map((choice) => el("li", "", channelName(choice.channel) + ": " + choice.why)));
    $("reply-blocked").hidden = !blocked.length;
    applyChoice();
  }

  function optionText(choice) {
    let text = channelName(choice.channel) + (choice.address ? " \u00b7 " + choice.address : "");
    if (!choice.reachable) text += " (cannot reach them)";
    else if (choice.template) text += " (template only)";
    return text;
  }

  function current() {
    const reply = (state.view && state.view.reply) || { channels: [] };
    return reply.channels.find((choice) => choice.channel === $("reply-channel").value) || null;
  }

  /* The chosen channel's consequences: the address, WhatsApp's window and template, SMS cost. */
  function applyChoice() {
    const choice = current(), box = $("reply");
    box.dataset.channel = choice ? choice.channel : "";
    $("canned-open").disabled = box.disabled;
    $("reply-address").textContent = !choice ? "" : choice.address ? "to " + choice.address
      : choice.live ? "to their chat page (seen while it is open)" : "to their " + channelName(choice.channel) + " chat";
    if (choice) $("window").hidden = true;  // console.js's line is the default channel's; this is the chosen one's
    const asTemplate = Boolean(choice && choice.template && choice.window && !choice.window.open);
    $("send").textContent = asTemplate ? "Send as template" : "Send";
    drawWindowOf(choice);
    meter();
  }

  function drawWindowOf(choice) {
    const line = $("reply-window"), template = $("reply-template");
    const window = choice && choice.window;
    line.hidden = !window;
    template.hidden = !(choice && choice.template);
    if (!window) return;
    if (window.open) {
      line.textContent = channelName(choice.channel) + "'s 24-hour window is open until " + moment(window.closes_at) + ".";
      line.className = "window open";
      return;
    }
    line.className = "window";
    line.textContent = channelName(choice.channel) + "'s 24-hour window is "
      + (window.closes_at ? "closed since " + moment(window.closes_at) : "not open (they never wrote there)")
      + (choice.template ? ": only an approved template may go." : ".");
    if (choice.template) drawTemplate(choice.template);
  }

  function drawTemplate(template) {
    const items = template.parameters.map((value, index) => {
      const li = el("li", "");
      li.append(el("span", "label", "{{" + (index + 1) + "}} "), el("span", value === "(your reply)" ? "yours" : "", value));
      return li;
    });
    const list = el("ol", "parameters");
    list.append(...items);
    $("reply-template").replaceChildren(
      el("p", "", "Your reply goes as the template " + template.name + " (" + template.language + "), with these parameters; what you write fills \u201c(your reply)\u201d."),
      list,
    );
  }

  /* SMS: what the words cost as the SMS connector sends them (segments.js). */
  function meter() {
    const choice = current(), out = $("reply-meter");
    const sms = choice && choice.channel === "sms" && window.omnibotSegments;
    out.hidden = !sms;
    if (!sms) return;
    const cost = window.omnibotSegments.smsCost($("reply").value);
    const plain = cost.encoding === "GSM-7";
    const per = plain ? (cost.segments > 1 ? 153 : 160) : (cost.segments > 1 ? 67 : 70);
    if (!$("reply").value) {  /* nothing written yet: what one text message holds */
      out.textContent = "SMS: 160 characters make one text message (70 with accents or emoji)";
      out.title = "";
      out.dataset.segments = "0";
      out.dataset.encoding = cost.encoding;
      return;
    }
    const count = cost.segments === 1 ? "1 text message"
      : cost.segments + " text messages (" + per + " characters each)";
    out.textContent = count + " \u00b7 " + cost.units + " of " + per * Math.max(cost.segments, 1) + " characters"
      + (plain ? "" : " \u00b7 accents or emoji in it make each text message hold 70 characters, not 160");
    /* The carriers' terms, for whoever wants them, out of the way. */
    out.title = "Carriers bill each text message (SMS segment). Encoding " + cost.encoding
      + (plain ? ": 160 characters in one, 153 each once split; \u20ac [ ] { } count twice."
        : ": 70 characters in one, 67 each once split.");
    out.dataset.segments = String(cost.segments);
    out.dataset.encoding = cost.encoding;
  }

  /* Canned responses: "/" in an empty reply box, or the button, opens the picker. */
  async function loadCanned(customer) {
    const answer = await call("GET", "/conversations/" + encodeURIComponent(customer) + "/canned");
    if (state.customer !== customer) return;
    state.canned = answer.ok ? answer.data.canned : [];
    $("canned-language").textContent = answer.ok && answer.data.language ? "in " + answer.data.language.toUpperCase() : "";
    picker();
  }

  function query() {
    const text = $("reply").value;
    return text.startsWith("/") && !text.includes("\n") ? text.slice(1).trim().toLowerCase() : null;
  }

  function picker() {
    const wanted = query(), list = $("canned-list");
    if (wanted === null) {
      closePicker();
      return;
    }
    const found = state.canned.filter((item) => (item.title + " " + item.text).toLowerCase().includes(wanted));
    state.active = found.length ? Math.min(Math.max(state.active, 0), found.length - 1) : -1;
    list.replaceChildren(...found.map((item, index) => {
      const option = el("li", "canned-option", "");
      option.id = "canned-" + item.key;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === state.active));
      option.dataset.key = item.key;
      option.append(el("span", "title", item.title), el("span", "hint", item.filled));
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        insert(item);
      });
      return option;
    }));
    $("canned-picker").hidden = false;
    $("reply").setAttribute("aria-expanded", "true");
    $("canned-none").hidden = found.length > 0;
    $("canned-none").textContent = state.canned.length ? "No canned response matches." : "No canned response in this customer's language yet.";
    if (state.active >= 0) $("reply").setAttribute("aria-activedescendant", "canned-" + found[state.active].key);
    else $("reply").removeAttribute("aria-activedescendant");
  }

  function closePicker() {
    $("canned-picker").hidden = true;
    $("reply").setAttribute("aria-expanded", "false");
    $("reply").removeAttribute("aria-activedescendant");
    state.active = -1;
  }

  function insert(item) {
    const box = $("reply");
    box.value = item.filled;
    closePicker();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
    meter();
  }

  function pickerKeys(event) {
    if (event.target.id !== "reply" || $("canned-picker").hidden) return;
    const options = [...$("canned-list").children];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!options.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      state.active = (state.active + step + options.length) % options.length;
      picker();
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      event.stopPropagation();  // a canned response goes in the box, not sent yet; "/abc" never goes by mistake (Esc first)
      if (state.active < 0) return;
      const key = options[state.active].dataset.key;
      insert(state.canned.find((item) => item.key === key));
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();  // closes the list only: the agent stays in the box (a second Escape leaves it)
      closePicker();
    }
  }

  /* Managing the team's canned responses. */
  async function loadEvery() {
    const answer = await call("GET", "/canned");
    state.every = answer.ok ? answer.data.canned : [];
    $("canned-manage-list").replaceChildren(...state.every.map(managedRow));
    $("canned-manage-empty").hidden = state.every.length > 0;
  }

  function managedRow(item) {
    const li = el("li", "");
    li.append(el("span", "title", item.title), el("span", "hint", " " + item.language.toUpperCase() + " \u00b7 by " + item.by + " "));
    li.append(el("span", "text", item.text));
    const edit = el("button", "mini", "Edit");
    edit.type = "button";
    edit.setAttribute("aria-label", "Edit the canned response " + item.title);
    edit.addEventListener("click", () => editCanned(item));
    const drop = el("button", "mini", "Delete");
    drop.type = "button";
    drop.setAttribute("aria-label", "Delete the canned response " + item.title);
    drop.addEventListener("click", () => dropCanned(item));
    li.append(edit, drop);
    return li;
  }

  function editCanned(item) {
    state.editing = item ? item.key : null;
    $("canned-title").value = item ? item.title : "";
    $("canned-lang").value = item ? item.language : (state.view && state.view.customer.language) || "en";
    $("canned-text").value = item ? item.text : "";
    $("canned-save").textContent = item ? "Save changes" : "Add canned response";
    $("canned-cancel").hidden = !item;
    $("canned-error").textContent = "";
    if (item) {
      $("canned-manage").open = true;
      $("canned-title").focus();
    }
  }

  async function saveCanned(event) {
    event.preventDefault();
    const body = { title: $("canned-title").value, language: $("canned-lang").value.trim(), text: $("canned-text").value };
    const answer = state.editing
      ? await call("PUT", "/canned/" + encodeURIComponent(state.editing), body)
      : await call("POST", "/canned", body);
    if (!answer.ok) {
      $("canned-error").textContent = "Not saved: " + (answer.data.error || "the server said " + answer.status) + ".";
      return;
    }
    editCanned(null);
    $("canned-status").textContent = "Saved \u201c" + answer.data.canned.title + "\u201d.";
    await refreshCanned();
  }

  async function dropCanned(item) {
    if (!window.confirm("Delete the canned response \u201c" + item.title + "\u201d for the whole team?")) return;
    const answer = await call("DELETE", "/canned/" + encodeURIComponent(item.key));
    $("canned-status").textContent = answer.ok ? "Deleted \u201c" + item.title + "\u201d." : "Not deleted: " + (answer.data.error || answer.status) + ".";
    await refreshCanned();
  }

  async function refreshCanned() {
    await loadEvery();
    if (state.customer) await loadCanned(state.customer);
  }

  function onConversation(event) {
    const view = event.detail, me = window.omnibotConsole.me;
    const customer = view.customer.customer;
    state.me = me;
    state.view = view;
    const changed = state.customer !== customer;
    state.customer = customer;
    drawChannels(view);
    if (changed) {
      closePicker();
      loadCanned(customer);
      loadEvery();
    }
  }

  function start() {
    const list = $("reply-languages");
    list.replaceChildren(...LANGUAGES.map((tag) => { const option = el("option"); option.value = tag; return option; }));
    document.addEventListener("console:conversation", onConversation);
    $("reply-channel").addEventListener("change", () => {
      if (state.customer) state.chosen[state.customer] = $("reply-channel").value;
      applyChoice();
    });
    $("reply").addEventListener("input", () => {
      state.active = 0;
      meter();
      picker();
    });
    $("reply-form").addEventListener("keydown", pickerKeys, true);
    $("reply").addEventListener("blur", () => setTimeout(closePicker, 150));
    $("canned-open").addEventListener("click", () => {
      $("reply").value = "/";
      $("reply").focus();
      picker();
    });
    $("canned-form").addEventListener("submit", saveCanned);
    $("canned-cancel").addEventListener("click", () => editCanned(null));
    $("canned-manage").addEventListener("toggle", () => { if ($("canned-manage").open) loadEvery(); });
    editCanned(null);
  }

  start();
})();
