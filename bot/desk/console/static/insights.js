// The managers' insights: a period, its numbers per channel and language, each with what it means.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const LABELS = {
    conversations: "Conversations", contained: "Contained by the bot", handed_off: "Handed off",
    abandoned: "Abandoned", recontacted: "Re-contacted within 7 days",
    outreach_sent: "Outreach sent", outreach_delivered: "Outreach delivered",
    outreach_answered: "Outreach answered",
    first_response_median_s: "First response, median", first_response_p90_s: "First response, 90%",
    resolution_median_s: "Resolution, median", resolution_p90_s: "Resolution, 90%",
  };
  const TIMES = ["first_response", "resolution"];
  // The table's channel and language by name; their codes stay on the row (and in the CSV).
  const HEADINGS = { channel_name: "Channel", language_name: "Language" };
  const CODES = ["channel", "language"];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function duration(value) {
    if (value === null || value === undefined) return "—";
    if (value === "inf") return "over 7 days";
    const s = Number(value);
    if (s < 3600) return "≤ " + s / 60 + " min";
    if (s < 86400) return "≤ " + s / 3600 + " h";
    return "≤ " + s / 86400 + " days";
  }

  function shown(column, value) {
    return column.endsWith("_s") ? duration(value) : value === null ? "—" : String(value);
  }

  function cell(column, value) {
    const td = el("td", HEADINGS[column] ? "" : "n", shown(column, value));
    td.dataset.column = column;
    td.dataset.value = value === null ? "" : String(value);
    return td;
  }

  function definitionOf(column, definitions) {
    const time = TIMES.find((name) => column.startsWith(name));
    return definitions[time || column] || "";
  }

  function totals(data) {
    const all = data.rows[data.rows.length - 1];
    const items = Object.keys(LABELS).map((column) => {
      const box = el("div", "total");
      box.dataset.metric = column;
      box.append(
        el("dt", "", LABELS[column]),
        el("dd", "number", shown(column, all[column])),
        el("dd", "definition", definitionOf(column, data.definitions)),
      );
      return box;
    });
    $("totals").replaceChildren(...items);
  }

  function table(data) {
    const columns = Object.keys(data.rows[0]).filter((column) => !CODES.includes(column));
    $("table-head").replaceChildren(...columns.map((column) => {
      const th = el("th", "", LABELS[column] || HEADINGS[column] || column);
      th.scope = "col";
      th.title = definitionOf(column, data.definitions);
      return th;
    }));
    $("table-body").replaceChildren(...data.rows.map((row) => {
      const tr = el("tr", row.channel === "all" ? "total-row" : "");
      tr.dataset.channel = row.channel;
      tr.dataset.language = row.language;
      tr.append(...columns.map((column) => cell(column, row[column])));
      return tr;
    }));
  }

  function list(body, rows, columns, empty) {
    if (!rows.length) {
      const td = el("td", "", empty);
      td.colSpan = columns.length;
      body.replaceChildren(el("tr"));
      body.firstChild.append(td);
      return;
    }
    body.replaceChildren(...rows.map((row) => {
      const tr = el("tr");
      tr.append(...columns.map((column) => {
        const td = el("td", column === "count" ? "n" : "", row[column] === null ? "—" : row[column]);
        td.dataset.column = column;
        return td;
      }));
      return tr;
    }));
  }

  function render(data) {
    totals(data);
    table(data);
    $("zone").textContent = "From " + data.from + " to " + data.to + ", days in " + data.timezone
      + ". A conversation counts on the day it started.";
    $("abandoned-definition").textContent = data.definitions.abandoned;
    $("handoffs-definition").textContent = data.definitions.handed_off;
    list($("abandoned-body"), data.abandoned, ["title", "step_title", "count"], "No conversation was abandoned.");
    list($("handoffs-body"), data.handoffs, ["title", "step_title", "reason", "count"], "No conversation was handed off.");
    const query = "from=" + encodeURIComponent(data.from) + "&to=" + encodeURIComponent(data.to);
    $("csv").href = "/agent/api/insights.csv?" + query;
    $("csv-abandoned").href = "/agent/api/insights.csv?table=abandoned&" + query;
    $("csv-handoffs").href = "/agent/api/insights.csv?table=handoffs&" + query;
    $("from").value = data.from;
    $("to").value = data.to;
  }

  async function load(from, to) {
    const query = from && to ? "?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to) : "";
    $("status").textContent = "Loading…";
    const answer = await fetch("/agent/api/insights" + query, { credentials: "same-origin" });
    if (answer.status === 401) { location.href = "/agent"; return; }
    const data = await answer.json();
    if (!answer.ok) { $("status").textContent = data.error || "Could not load the insights."; return; }
    render(data);
    $("status").textContent = "Showing " + data.from + " to " + data.to + ".";
  }

  function lastDays(days) {
    const to = $("to").value ? new Date($("to").value + "T00:00:00Z") : new Date();
    const from = new Date(to.getTime() - (days - 1) * 86400000);
    return [from.toISOString().slice(0, 10), to.toISOString().slice(0, 10)];
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("period").addEventListener("submit", (event) => {
      event.preventDefault();
      load($("from").value, $("to").value);
    });
    for (const button of document.querySelectorAll("[data-days]")) {
      button.addEventListener("click", () => load(...lastDays(Number(button.dataset.days))));
    }
    load(null, null);
  });
})();
