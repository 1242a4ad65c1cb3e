// Retention: the setting, the cutoff and how many traces are due (GET /v1/retention), and a
// "Clean up now" button that asks first (askToConfirm: a modal <dialog>) and then shows what the cleanup
// endpoint answered (POST /internal/cleanup-traces).
import { api } from "../api.js";
import { askToConfirm, fmtTime, h, message } from "../dom.js";

export function renderRetention(root) {
  const facts = h("div", { "aria-live": "polite" }, message("Loading…"));
  const result = h("div", { class: "cleanup-result", "aria-live": "polite" });
  const open = h("button", { type: "button", class: "danger", disabled: true }, "Clean up now");
  let status = null;

  async function load() {
    try {
      status = await api("/v1/retention");
      facts.replaceChildren(
        h(
          "p",
          {},
          `Traces are kept ${status.retention_days} days (TRACE_RETENTION_DAYS). A daily cron deletes older ones.`,
        ),
        h(
          "p",
          { class: "due" },
          h("strong", { dataset: { due: status.due_traces } }, String(status.due_traces)),
          ` traces started before ${fmtTime(status.cutoff)} and are due.`,
        ),
      );
      open.disabled = false;
    } catch (err) {
      facts.replaceChildren(message(`Could not load the retention status: ${err.message}`, "error"));
    }
  }

  open.addEventListener("click", async () => {
    const sure = await askToConfirm(
      "Clean up old traces?",
      `This deletes the ${status.due_traces} traces (and their spans) that started before ${fmtTime(status.cutoff)}. It cannot be undone.`,
      "Delete them",
    );
    if (!sure) return;
    open.disabled = true;
    result.replaceChildren(message("Cleaning up…"));
    try {
      const r = await api("/internal/cleanup-traces", { method: "POST" });
      result.replaceChildren(
        message(
          `Deleted ${r.deleted_traces} traces and ${r.deleted_spans} spans in ${r.batches} ${r.batches === 1 ? "batch" : "batches"}${r.done ? "" : " (more remain: run it again)"}.`,
        ),
      );
    } catch (err) {
      result.replaceChildren(message(`Cleanup failed: ${err.message}`, "error"));
    }
    await load();
  });

  root.append(
    h("h1", {}, "Retention"),
    h("section", { class: "card" }, facts, h("div", { class: "toolbar" }, open), result),
  );
  load();
}
