/* omnibot agent console: actions that say first what the customer will see (claim, release,
 * transfer, resolve), each in a modal <dialog> (focus inside while it is open, back where it came
 * from after; Escape or Cancel does nothing), and the keyboard shortcuts. What comes from
 * customers and agents reaches the page through textContent only. See docs/agents.md.
 */
(() => {
  "use strict";

  const desk = window.omnibotConsole;
  const CHANNELS = { webchat: "web chat", sms: "SMS", telegram: "Telegram", slack: "Slack", whatsapp: "WhatsApp", email: "e-mail" };
  const $ = (id) => document.getElementById(id);
  const seen = { view: null, online: [], presence: {}, agents: [] };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const para = (...parts) => { const p = el("p"); p.append(...parts); return p; };
  const strong = (text) => el("strong", "", text);
  const quote = (text) => el("blockquote", "", text);

  document.addEventListener("console:signed-in", (event) => { seen.agents = event.detail.agents; });
  document.addEventListener("console:queue", (event) => {
    seen.online = event.detail.online;
    seen.presence = event.detail.presence || {};
  });
  document.addEventListener("console:conversation", (event) => {
    seen.view = event.detail;
    const later = modal.later;
    if (later && !later.disabled) {
      modal.later = null;
      later.focus();
    }
  });

  /* Where a message to the customer goes now: the channel they asked to be contacted on, else
     the one they wrote on last. */
  function whereTo(customer) {
    const channel = customer.contact_on || customer.channel;
    return channel ? "by " + (CHANNELS[channel] || channel) : "where they wrote last";
  }

  /* The one modal: a title, what happens, fields, and a confirm button; resolves with the
     confirm's result, or null when cancelled. */
  const modal = { run: null, back: null, later: null };

  function ask({ title, what, fields, confirm, focus, run }) {
    const dialog = $("confirm");
    if (dialog.open) return;
    modal.back = document.activeElement;
    modal.run = run;
    $("confirm-title").textContent = title;
    $("confirm-what").replaceChildren(...what);
    $("confirm-fields").replaceChildren(...(fields || []));
    $("confirm-error").textContent = "";
    $("confirm-ok").textContent = confirm;
    $("confirm-ok").disabled = false;
    dialog.showModal();
    (focus || $("confirm-ok")).focus();
  }

  function closeModal(after) {
    const dialog = $("confirm");
    if (dialog.open) dialog.close();
    modal.run = null;
    const back = after || modal.back;
    modal.back = null;
    if (!back || !document.contains(back)) return;
    if (back.disabled) modal.later = back;  // enabled once the conversation is drawn again
    else back.focus();
  }

  async function confirmed(event) {
    event.preventDefault();
    const run = modal.run;
    if (!run || $("confirm-ok").disabled) return;
    $("confirm-ok").disabled = true;
    const result = await run();
    if (result && result.error) {
      $("confirm-error").textContent = result.error;
      $("confirm-ok").disabled = false;
      return;
    }
    closeModal(result && result.focus);
  }

  /* After an action: the focus where the agent goes on; when it failed, the dialog closes all
     the same (what it offered changed underneath) and the page's error line says why. */
  const done = (ok, focus) => (ok ? { focus } : null);

  /* The open conversation as drawn: at once, or once it is (a click may come before). */
  function drawn() {
    const open = desk.open;
    if (!open) return Promise.resolve(null);
    if (seen.view && seen.view.customer.customer === open) return Promise.resolve(seen.view);
    return new Promise((resolve) => {
      const heard = (event) => {
        if (event.detail.customer.customer !== open) return;
        document.removeEventListener("console:conversation", heard);
        resolve(event.detail);
      };
      document.addEventListener("console:conversation", heard);
    });
  }

  /* Claim: the customer is greeted (the bot's greeting, the agent's own words, or nothing). */
  async function askClaim() {
    const view = await drawn();
    if (!view || $("claim").disabled) return unavailable("claim", $("claim").textContent);
    const actions = view.actions, customer = view.customer;
    const send = el("input");
    send.type = "checkbox";
    send.id = "claim-greet";
    send.checked = !actions.greeted;
    const words = el("textarea");
    words.id = "claim-greeting";
    words.rows = 2;
    words.maxLength = 1000;
    words.value = actions.greeting;
    const sendLabel = el("label", "", actions.greeted ? "Greet them again anyway" : "Greet the customer");
    sendLabel.htmlFor = send.id;
    const wordsLabel = el("label", "block", "The greeting (edit it to use your own words)");
    wordsLabel.htmlFor = words.id;
    const choice = el("div", "choice");
    choice.append(send, sendLabel);
    /* What the customer is told follows the box and the tick as the agent changes them. */
    const told = para(), said = quote("");
    said.setAttribute("aria-live", "polite");
    const sync = () => {
      words.disabled = !send.checked;
      $("confirm-ok").textContent = send.checked ? "Claim and greet" : "Claim without greeting";
      said.hidden = !send.checked;
      said.textContent = words.value.trim();
      told.textContent = send.checked ? "The customer is told, " + whereTo(customer) + ":"
        : actions.greeted
          ? "The customer was greeted earlier in this conversation, so by default they are told nothing now."
          : "The customer is told nothing: the bot just stops answering them.";
    };
    send.addEventListener("change", sync);
    words.addEventListener("input", sync);
    const what = [
      para("You take the conversation: the bot stops answering, and other agents see it is yours."),
      told,
      said,
    ];
    ask({
      title: "Claim this conversation?",
      what,
      fields: [choice, wordsLabel, words],
      confirm: "Claim",
      run: async () => {
        const text = words.value.trim();
        let body = {};
        if (!send.checked) body = { greet: false };
        else if (actions.greeted || text !== actions.greeting.trim()) {
          if (!text) return { error: "Write a greeting, or untick \u201cGreet\u201d." };
          body = { greeting: text };
        }
        return done(await desk.claim(body), $("reply"));
      },
    });
    sync();
  }

  /* Release: back to the queue, at its place; the customer is not told. */
  async function askRelease() {
    if (!(await drawn()) || $("release").disabled) return unavailable("release", "you do not hold it");
    ask({
      title: "Release to the queue?",
      what: [
        para("The conversation goes back to the queue at the place it had (by when the customer started waiting), and any agent can claim it."),
        para(strong("The customer is not told."), " If they write meanwhile, the bot tells them their place in line, as it does while they wait. Whoever claims it next does not greet them a second time unless they choose to."),
      ],
      confirm: "Release",
      run: async () => done(await desk.act("release"), $("claim")),
    });
  }

  /* Transfer: to another agent whose console is open (online, or away: marked so); who cannot be
     chosen says why. */
  async function askTransfer() {
    if (!(await drawn()) || $("transfer").disabled) return unavailable("transfer", "you do not hold it");
    const me = desk.me.agent, online = new Set(seen.online);
    const group = el("fieldset");
    group.append(el("legend", "", "Transfer to"));
    let first = null, firstAway = false;  // someone online is chosen before someone away
    for (const name of seen.agents) {
      const row = el("div", "choice");
      const radio = el("input");
      radio.type = "radio";
      radio.name = "transfer-to";
      radio.value = name;
      radio.id = "transfer-to-" + name;
      const reason = name === me ? "that is you" : online.has(name) ? "" : "offline: they would not see it until they sign in";
      radio.disabled = Boolean(reason);
      const away = online.has(name) && seen.presence[name] === "away";
      const status = away ? "away (may not answer soon)" : online.has(name) ? "online" : "offline";
      const label = el("label", "", name + (name === me ? " (you)" : "") + " \u2014 " + status);
      label.htmlFor = radio.id;
      row.append(radio, label);
      if (reason) {
        const why = el("span", "why", "Cannot be chosen: " + reason + ".");
        why.id = radio.id + "-why";
        radio.setAttribute("aria-describedby", why.id);
        row.append(why);
      }
      if (!reason && (!first || (firstAway && !away))) [first, firstAway] = [radio, away];
      group.append(row);
    }
    if (first) first.checked = true;
    const others = seen.agents.filter((name) => name !== me);
    const what = [para("They see the conversation under Mine and reply from where you left off. ", strong("The customer is not told."))];
    if (!others.length) {
      what.push(para(strong("There is nobody to transfer to: "), "you are the only agent set up (agents come from OMNIBOT_AGENT_TOKENS or the users file; see docs/agents.md)."));
    } else if (!first) {
      what.push(para(strong("Nobody else is online now, "), "and a transfer goes only to someone who can see it. Release the conversation instead: whoever comes online can claim it from the queue."));
    }
    ask({
      title: "Transfer this conversation",
      what,
      fields: others.length ? [group] : [],
      confirm: "Transfer",
      focus: first || $("confirm-cancel"),
      run: async () => {
        const chosen = group.querySelector("input:checked");
        if (!chosen) return { error: "Choose someone who is online." };
        return done(await desk.act("transfer", { to: chosen.value }), $("claim"));
      },
    });
    $("confirm-ok").disabled = !first;
  }

  /* Resolve: back to the bot, told so in the bot's words, and optionally into a flow. */
  async function askResolve() {
    const view = await drawn();
    if (!view || $("resolve").disabled) return unavailable("resolve", "you do not hold it");
    const actions = view.actions;
    const select = el("select");
    select.id = "resolve-flow";
    const none = el("option", "", "nothing: the bot waits for what they say");
    none.value = "";
    select.append(none, ...actions.flows.map((flow) => {
      const option = el("option", "", flow.title);
      option.value = flow.name;
      return option;
    }));
    const label = el("label", "block", "Then start");
    label.htmlFor = select.id;
    const then = el("p", "then-what");
    then.setAttribute("aria-live", "polite");
    const sync = () => {
      const chosen = actions.flows.find((flow) => flow.name === select.value);
      then.textContent = chosen
        ? "Then the bot starts \u201c" + chosen.title + "\u201d with them, as if they had asked for it."
        : "Then the bot answers whatever they write next.";
      $("confirm-ok").textContent = chosen ? "Resolve into \u201c" + chosen.title + "\u201d" : "Resolve";
    };
    select.addEventListener("change", sync);
    ask({
      title: "Resolve and hand back to the bot?",
      what: [
        para("The conversation leaves your list and the queue. The customer is told, " + whereTo(view.customer) + ":"),
        quote(actions.handed_back),
      ],
      fields: [label, select, then],
      confirm: "Resolve",
      run: async () => {
        return done(await desk.act("resolve", select.value ? { flow: select.value } : {}), $("customer-name"));
      },
    });
    sync();
  }

  function unavailable(action, why) {
    desk.announce(desk.open ? "Cannot " + action + " now: " + String(why).toLowerCase() + "." : "Open a conversation first.");
  }

  /* Keyboard shortcuts: single keys, never while typing in a text box or with a dialog open. */
  const typingIn = (target) => target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

  function shortcut(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typingIn(event.target) || document.querySelector("dialog[open]") || !desk.me) return;
    const run = {
      "?": showKeys, j: () => step(1), k: () => step(-1), c: askClaim, e: askResolve,
      t: askTransfer, u: askRelease, r: () => focusBox("reply"), n: () => focusBox("note"),
      g: () => document.dispatchEvent(new CustomEvent("console:to-newest")),
    }[event.key];
    if (!run) return;
    event.preventDefault();
    run();
  }

  function focusBox(id) {
    if (!desk.open) return unavailable(id === "reply" ? "reply" : "write a note", "");
    if ($(id).disabled) return unavailable("reply", $(id).placeholder || "claim it first");
    $(id).focus();
  }

  /* The next (or previous) conversation in the lists, in the order they are shown. */
  function step(by) {
    const ids = [...new Set([...document.querySelectorAll(".pick[data-customer]")].map((b) => b.dataset.customer))];
    if (!ids.length) return desk.announce("No conversations.");
    const at = ids.indexOf(desk.open);
    const next = at < 0 ? (by > 0 ? 0 : ids.length - 1) : (at + by + ids.length) % ids.length;
    desk.openConversation(ids[next]);
  }

  function showKeys() {
    const help = $("keys-help");
    if (help.open) return;
    modal.back = document.activeElement;
    help.showModal();
    help.querySelector("button").focus();
  }

  function leaveBoxOnEscape(box) {
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.isComposing) {
        event.preventDefault();
        box.blur();
        $("transcript").focus();
      }
    });
  }

  function start() {
    $("claim").addEventListener("click", askClaim);
    $("release").addEventListener("click", askRelease);
    $("transfer").addEventListener("click", askTransfer);
    $("resolve").addEventListener("click", askResolve);
    $("confirm-form").addEventListener("submit", confirmed);
    $("confirm-cancel").addEventListener("click", () => closeModal());
    $("confirm").addEventListener("cancel", (event) => { event.preventDefault(); closeModal(); });
    $("keys-help").addEventListener("close", () => {
      const back = modal.back;
      modal.back = null;
      if (back && document.contains(back)) back.focus();
    });
    $("show-keys").addEventListener("click", showKeys);
    leaveBoxOnEscape($("reply"));
    leaveBoxOnEscape($("note"));
    document.addEventListener("keydown", shortcut);
  }

  start();
})();
