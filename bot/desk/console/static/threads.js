/* omnibot agent console: conversations beyond the queue. The search box and filters (status,
 * channel, agent, tag) above the queue, the tags of the open conversation, and reopening one
 * that went back to the bot. Uses what console.js shares as window.omnibotConsole; whatever comes
 * from customers reaches the page through textContent only.
 */
(() => {
  "use strict";

  const ui = window.omnibotConsole;
  const $ = (id) => document.getElementById(id);
  const el = ui.el;
  const STATUS = { open: "With the bot", waiting: "Waiting", agent: "With an agent", resolved: "Resolved" };
  const MATCHED = {
    phone: "phone", email: "e-mail", name: "name", details: "what they told",
    tag: "tag", transcript: "the transcript", id: "customer id",
  };
  const FIELDS = { q: "find-q", status: "find-status", channel: "find-channel", agent: "find-agent", tag: "find-tag" };
  let view = null;   // the open conversation, as last drawn
  let asked = 0;     // searches made: an answer overtaken by a newer one is dropped
  let shownTagsOf = null;  // whose tags are drawn: a tag error does not follow to another customer

  function params() {
    const query = new URLSearchParams();
    for (const [name, id] of Object.entries(FIELDS)) {
      const value = $(id).value.trim();
      if (value) query.set(name, value);
    }
    return query;
  }

  async function find(event) {
    if (event) event.preventDefault();
    const query = params(), mine = ++asked;
    $("find-error").textContent = "";
    $("find-clear").hidden = !query.toString();
    if (!query.toString()) {
      showResults(null);
      return;
    }
    const answer = await ui.api("GET", "/conversations?" + query.toString());
    if (mine !== asked) return;
    if (!answer.ok) {
      const data = answer.data || {};
      $("find-error").textContent = "Could not search: " + (data.error || "the server said " + answer.status) + ".";
      if (data.field && FIELDS[data.field]) $(FIELDS[data.field]).focus();
      showResults(null);
      return;
    }
    showResults(answer.data);
  }

  function showResults(data) {
    const results = data ? data.results : [];
    $("found").replaceChildren(...results.map(resultItem));
    $("found-summary").hidden = !data;
    if (data) {
      const count = results.length === 1 ? "1 conversation" : results.length + " conversations";
      $("found-summary").textContent = (results.length ? count : "No conversation") + " found"
        + (data.more ? "; showing the most recent " + results.length + ", narrow the search" : "") + ".";
    }
  }

  function clear() {
    for (const id of Object.values(FIELDS)) $(id).value = "";
    asked++;
    $("find-clear").hidden = true;
    $("find-error").textContent = "";
    showResults(null);
    $("find-q").focus();
  }

  function resultItem(item) {
    const button = el("button", "pick found-item");
    button.type = "button";
    button.dataset.customer = item.customer;
    const name = item.name || (item.phones || [])[0] || (item.emails || [])[0] || "Customer " + item.customer.slice(0, 7);
    const meta = el("span", "meta");
    meta.append(statusBadge(item.status), ui.channelTrail(item.channels), el("span", "lang", (item.language || "").toUpperCase()));
    button.append(el("span", "name", name), meta);
    if (item.goal) button.append(el("span", "goal", item.goal));
    const who = item.status === "resolved" ? "resolved by " + (item.agent || "an agent")
      : item.status === "agent" ? "with " + item.agent : "";
    const line = el("span", "about", [item.reason, who].filter(Boolean).join(" \u00b7 "));
    if (item.updated) line.append(" \u00b7 ", ui.clock(item.resolved_at || item.updated));
    button.append(line);
    if (item.tags.length) {
      const tags = el("span", "tags");
      tags.append(...item.tags.map((tag) => el("span", "tag", tag)));
      button.append(tags);
    }
    if (item.matched) button.append(el("span", "hint", "matched on " + (MATCHED[item.matched] || item.matched)));
    button.addEventListener("click", () => ui.openConversation(item.customer));
    const li = el("li", "item");
    li.append(button);
    return li;
  }

  function statusBadge(status) {
    return el("span", "status st-" + status, STATUS[status] || status);
  }

  /* The open conversation's tags as chips, each with a button taking it off. */
  function tagChip(tag) {
    const chip = el("li", "tag", tag);
    const button = el("button", "untag", "\u00d7");
    button.type = "button";
    button.setAttribute("aria-label", "Remove the tag " + tag);
    button.addEventListener("click", () => act("untag", { tag }));
    chip.append(button);
    return chip;
  }

  /* A refused tag is said beside the tag box (read out, and named by the box's description),
     in the server's words; any other refusal goes to the actions' line. */
  async function act(action, body) {
    const customer = ui.open;
    $("action-error").textContent = "";
    $("tag-error").textContent = "";
    const path = "/conversations/" + encodeURIComponent(customer) + "/" + action;
    const answer = await ui.api("POST", path, body || {});
    if (!answer.ok) {
      const data = answer.data || {};
      const why = answer.status === 409 && data.holder ? data.holder + " has it" : data.error || "the server said " + answer.status;
      if (data.field === "tag") $("tag-error").textContent = why + ".";
      else $("action-error").textContent = "Could not " + action + ": " + why + ".";
    }
    ui.refreshQueue();
    if (ui.open === customer) await ui.refresh();
    if ($("found").children.length) find();
    return answer.ok;
  }

  async function addTag(event) {
    event.preventDefault();
    const tag = $("tag-input").value.trim();
    if (tag && await act("tag", { tag })) $("tag-input").value = "";
  }

  async function reopen() {
    if (await act("reopen")) $("reply").focus();
  }

  function drawThread(event) {
    view = event.detail;
    const thread = view.thread || { tags: [] };
    $("tags").replaceChildren(...thread.tags.map(tagChip));
    if (!view.customer || view.customer.customer !== shownTagsOf) $("tag-error").textContent = "";
    shownTagsOf = view.customer && view.customer.customer;
    const customer = view.customer;
    const offDesk = customer.status === "bot" && !customer.contact_on && !view.holder;
    $("reopen-line").hidden = !offDesk;
  }

  function signedIn(event) {
    const me = event.detail;
    const options = [el("option", "", "Any agent"), ...me.agents.map((name) => el("option", "", name))];
    options[0].value = "";
    $("find-agent").replaceChildren(...options);
  }

  $("find-form").addEventListener("submit", find);
  $("find-clear").addEventListener("click", clear);
  for (const id of ["find-status", "find-channel", "find-agent"]) $(id).addEventListener("change", () => find());
  $("tag-form").addEventListener("submit", addTag);
  $("reopen").addEventListener("click", reopen);
  document.addEventListener("console:conversation", drawThread);
  document.addEventListener("console:signed-in", signedIn);
  if (ui.me) signedIn({ detail: ui.me });
})();
