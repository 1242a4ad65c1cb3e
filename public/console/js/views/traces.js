// The trace list: the API's filters as a form whose state lives in the URL, keyset paging
// ("Older" follows next_cursor) and a live tail that polls for traces newer than the newest shown.
import { api } from "../api.js";
import { badge, field, fmtMs, fmtTime, h, message } from "../dom.js";
import { navigate } from "../router.js";

const FILTERS = [
  "trigger_event",
  "status",
  "decision",
  "user_id",
  "request_ip",
  "script_id",
  "since",
  "until",
  "min_duration_ms",
];
const TAIL_EVERY_MS = 2000;

function filterForm(params, onApply) {
  const text = (name, label, placeholder) =>
    field(label, h("input", { name, value: params.get(name) ?? "", placeholder, autocomplete: "off" }));
  const status = h(
    "select",
    { name: "status" },
    ["", "success", "blocked", "error"].map((s) =>
      h("option", { value: s, selected: params.get("status") === s }, s || "any"),
    ),
  );
  const decision = h(
    "select",
    { name: "decision" },
    ["", "allow", "block"].map((s) =>
      h("option", { value: s, selected: params.get("decision") === s }, s || "any"),
    ),
  );
  const tail = h("input", { type: "checkbox", name: "tail", checked: params.get("tail") === "1" });
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Trace filters",
      on: {
        submit: (e) => {
          e.preventDefault();
          onApply(read());
        },
      },
    },
    text("trigger_event", "Trigger", "before_signin"),
    field("Status", status),
    field("Decision", decision),
    text("user_id", "User id"),
    text("request_ip", "IP"),
    text("script_id", "Script id"),
    text("since", "Since", "ISO 8601 or Unix ms"),
    text("until", "Until", "ISO 8601 or Unix ms"),
    text("min_duration_ms", "Min duration (ms)"),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("label", { class: "check" }, tail, " Live tail"),
    ),
  );
  tail.addEventListener("change", () => onApply(read()));
  function read() {
    const data = new FormData(form);
    const out = {};
    for (const k of FILTERS) out[k] = String(data.get(k) ?? "").trim();
    if (tail.checked) out.tail = "1";
    return out;
  }
  return form;
}

function traceRow(t) {
  return h(
    "tr",
    { dataset: { trace: t.id } },
    h("td", {}, h("a", { href: `#/trace/${t.id}` }, fmtTime(t.started_at))),
    h("td", {}, t.trigger_event),
    h("td", {}, badge(t.status)),
    h("td", {}, t.decision),
    h("td", {}, t.user_id ?? "–"),
    h("td", {}, t.request_ip ?? "–"),
    h("td", { class: "num" }, fmtMs(t.duration_ms)),
  );
}

export function renderTraces(root, route) {
  const params = route.params;
  const filters = {};
  for (const k of FILTERS) if (params.get(k)) filters[k] = params.get(k);
  const tbody = h("tbody");
  const status = h("div", { "aria-live": "polite" });
  const older = h("button", { type: "button", hidden: true }, "Older");
  const seen = new Set();
  let cursor = null;
  let newest = null;
  let timer = null;
  let stopped = false;

  root.append(
    h("h1", {}, "Traces"),
    filterForm(params, (next) => navigate("/traces", next)),
    status,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "traces" },
        h("caption", { class: "sr-only" }, "Traces, newest first"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Started", "Trigger", "Status", "Decision", "User", "IP", "Duration"].map((c) =>
              h("th", { scope: "col" }, c),
            ),
          ),
        ),
        tbody,
      ),
    ),
    older,
  );

  const add = (traces, where) => {
    const rows = traces.filter((t) => !seen.has(t.id));
    for (const t of rows) seen.add(t.id);
    for (const t of traces) if (newest === null || t.started_at > newest) newest = t.started_at;
    if (where === "top") tbody.prepend(...rows.map(traceRow));
    else tbody.append(...rows.map(traceRow));
    return rows.length;
  };

  async function loadPage() {
    older.disabled = true;
    try {
      const page = await api("/v1/traces", { query: { ...filters, cursor } });
      add(page.traces, "bottom");
      cursor = page.next_cursor;
      older.hidden = !cursor;
      if (seen.size === 0) status.replaceChildren(message("No traces match these filters."));
      else status.replaceChildren();
    } catch (err) {
      status.replaceChildren(message(`Could not load traces: ${err.message}`, "error"));
    } finally {
      older.disabled = false;
    }
  }

  async function poll() {
    if (stopped) return;
    try {
      // only what is newer than the newest row shown (since is inclusive; seen ids dedupe)
      const since = newest ?? filters.since;
      const page = await api("/v1/traces", { query: { ...filters, since } });
      const added = add(page.traces, "top");
      status.replaceChildren(message(`Live tail: ${added} new at ${fmtTime(Date.now()).slice(11)}.`));
    } catch (err) {
      status.replaceChildren(message(`Live tail paused: ${err.message}`, "error"));
    }
    if (!stopped) timer = setTimeout(poll, TAIL_EVERY_MS);
  }

  older.addEventListener("click", loadPage);
  loadPage().then(() => {
    if (params.get("tail") === "1" && !stopped) timer = setTimeout(poll, TAIL_EVERY_MS);
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
