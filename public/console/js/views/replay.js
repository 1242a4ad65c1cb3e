// Replay and diff on the trace page: re-run this recorded call against today's scripts
// (POST /v1/traces/{id}/replay, nothing stored), or compare it with another trace
// (GET /v1/traces/{a}/diff/{b}); both show the spans that differ.
import { api } from "../api.js";
import { field, h, message } from "../dom.js";

const sideText = (s) => (s ? `${s.status}${s.status_message ? ` (${s.status_message})` : ""}` : "–");

function spanTable(caption, spans) {
  const rows = spans.filter((s) => s.change !== "same");
  if (!rows.length) return h("p", { class: "muted" }, "No span differs.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "span-diff" },
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Layer", "Script", "Change", "Fields", "A", "B"].map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((s) =>
          h(
            "tr",
            { dataset: { change: s.change } },
            h("td", {}, String(s.layer_index)),
            h("th", { scope: "row" }, s.name),
            h("td", {}, s.change),
            h("td", {}, s.fields.join(", ")),
            h("td", {}, sideText(s.a)),
            h("td", {}, sideText(s.b)),
          ),
        ),
      ),
    ),
  );
}

/** The replay + diff card for one trace. @param canReplay whether the token holds scripts:write */
export function renderReplay(trace, canReplay) {
  const out = h("div", { class: "replay-out", "aria-live": "polite" });
  const other = h("input", {
    name: "other",
    placeholder: "another trace id (32 hex)",
    autocomplete: "off",
    spellcheck: "false",
  });
  const replay = h("button", { type: "button", on: { click: onReplay } }, "Replay against today's scripts");
  const diff = h("button", { type: "button", on: { click: onDiff } }, "Diff");
  return h(
    "section",
    { class: "card replay", "aria-label": "Replay and diff" },
    h("h2", {}, "Replay and diff"),
    h(
      "div",
      { class: "toolbar" },
      canReplay ? replay : h("span", { class: "readonly-note" }, "Replay needs the 'scripts:write' scope."),
    ),
    h("div", { class: "toolbar" }, field("Diff against", other), diff),
    out,
  );

  async function onReplay() {
    out.replaceChildren(message("Replaying…"));
    try {
      const r = await api(`/v1/traces/${trace.id}/replay`, { method: "POST", json: {} });
      out.replaceChildren(
        h(
          "p",
          { class: "replay-summary" },
          `Recorded: ${r.recorded.decision} (${r.recorded.status}). Today: ${r.replayed.decision} (${r.replayed.status})${r.replayed.blocked_by ? ` by ${r.replayed.blocked_by.name}` : ""}. ${r.decision_changed ? "The decision changed." : "Same decision."}`,
        ),
        spanTable("Spans that differ (A = recorded, B = today)", r.spans),
      );
    } catch (err) {
      out.replaceChildren(message(`Replay failed: ${err.message}`, "error"));
    }
  }

  async function onDiff() {
    const b = other.value.trim();
    if (!/^[0-9a-f]{32}$/.test(b)) {
      out.replaceChildren(message("Give a trace id: 32 lowercase hex characters.", "error"));
      return;
    }
    out.replaceChildren(message("Comparing…"));
    try {
      const d = await api(`/v1/traces/${trace.id}/diff/${b}`);
      out.replaceChildren(
        h(
          "p",
          { class: "diff-summary" },
          `A: ${d.a.decision} (${d.a.status}) · B: ${d.b.decision} (${d.b.status}). ${d.diverged_at ? `Diverged at layer ${d.diverged_at.layer_index}, ${d.diverged_at.name} (${d.diverged_at.fields.join(", ")}).` : "No divergence."}`,
        ),
        spanTable(
          "Spans that differ (A = this trace, B = the other)",
          d.layers.flatMap((l) => l.spans),
        ),
      );
    } catch (err) {
      out.replaceChildren(message(`Diff failed: ${err.message}`, "error"));
    }
  }
}
