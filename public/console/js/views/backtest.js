// Backtest of the draft in the editor: the trigger's recorded calls re-run with the draft
// (POST /v1/triggers/{event}/backtest, nothing stored, http "off"), chunk after chunk until done,
// showing the decision flips with links to the traces that flipped.
import { api } from "../api.js";
import { field, h, message } from "../dom.js";

const MAX_CHUNKS = 50;

function flipList(label, flip) {
  return h(
    "li",
    { dataset: { flip: label } },
    h("strong", {}, String(flip.count)),
    ` ${label}`,
    flip.trace_ids.length
      ? h(
          "ul",
          { class: "flip-ids" },
          flip.trace_ids.map((id) => h("li", {}, h("a", { href: `#/trace/${id}` }, h("code", {}, id)))),
        )
      : null,
  );
}

/** @param draft () => the script with the editor's current source */
export function renderBacktest(draft) {
  const limit = h("input", { type: "number", min: 1, max: 10000, value: "1000", inputmode: "numeric" });
  const out = h("div", { class: "backtest-out", "aria-live": "polite" });
  const run = h("button", { type: "button", on: { click: onRun } }, "Backtest the draft");
  return h(
    "section",
    { class: "card backtest", "aria-label": "Backtest" },
    h("h2", {}, "Backtest"),
    h(
      "p",
      { class: "muted" },
      "Re-runs recorded calls of this trigger with the draft (contexts as stored, redacted; outbound HTTP off). Nothing is stored.",
    ),
    field("Recorded calls (newest first)", limit),
    h("div", { class: "toolbar" }, run),
    out,
  );

  async function onRun() {
    const s = draft();
    const body = {
      scripts: [
        {
          id: s.id,
          name: s.name,
          layer_index: s.layer_index,
          parallel_index: s.parallel_index,
          source: s.source,
          on_error: s.on_error,
          instruction_budget: s.instruction_budget,
        },
      ],
      limit: Number(limit.value) || 1000,
    };
    run.disabled = true;
    out.replaceChildren(message("Backtesting…"));
    try {
      let res = await api(`/v1/triggers/${s.trigger_event}/backtest`, { method: "POST", json: body });
      for (let i = 1; !res.done && res.next_cursor && i < MAX_CHUNKS; i++) {
        out.replaceChildren(message(`Backtesting… ${res.calls} calls so far`));
        res = await api(`/v1/triggers/${s.trigger_event}/backtest`, {
          method: "POST",
          json: { ...body, cursor: res.next_cursor },
        });
      }
      out.replaceChildren(
        h(
          "p",
          { class: "backtest-summary" },
          `${res.calls} recorded calls re-run: ${res.flips.allow_to_block.count + res.flips.block_to_allow.count} flips, ${res.unchanged} unchanged${res.unreadable ? `, ${res.unreadable} unreadable` : ""}${res.done ? "" : " (stopped early: more remain)"}.`,
        ),
        h(
          "ul",
          { class: "flips" },
          flipList("allow → block", res.flips.allow_to_block),
          flipList("block → allow", res.flips.block_to_allow),
        ),
        h("p", { class: "muted" }, res.note),
      );
    } catch (err) {
      out.replaceChildren(message(`Backtest failed: ${err.message}`, "error"));
    } finally {
      run.disabled = false;
    }
  }
}
