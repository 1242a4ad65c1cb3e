// Dry run of the draft in the editor: the trigger's saved scripts with this draft in its slot
// (POST /v1/triggers/{event}/dry-run, nothing stored; the draft keeps the saved script's
// allowed_hosts / timeout_ms; "HTTP off" sends http: "off"), shown as a waterfall with the inspector.
import { api } from "../api.js";
import { badge, field, h, message } from "../dom.js";
import { inspectSpan } from "./inspector.js";
import { renderWaterfall } from "./waterfall.js";

/** @param draft () => the script with the editor's current source */
export function renderDryRun(draft) {
  const context = h("textarea", { class: "code small", spellcheck: "false", rows: 6 });
  context.value =
    '{\n  "user": { "id": "u_1", "email": "ada@example.com" },\n  "request": { "ip": "203.0.113.7", "country": "GB" }\n}';
  const out = h("div", { class: "dry-out", "aria-live": "polite" });
  const run = h("button", { type: "button", on: { click: onRun } }, "Dry run the draft");
  const httpOff = h("input", { type: "checkbox", name: "http_off" });
  return h(
    "section",
    { class: "card dry-run", "aria-label": "Dry run" },
    h("h2", {}, "Dry run"),
    field("Context (JSON)", context),
    h("div", { class: "toolbar" }, run, field("HTTP off (every http.fetch fails at once)", httpOff)),
    out,
  );

  async function onRun() {
    let ctx;
    try {
      ctx = JSON.parse(context.value);
    } catch (err) {
      out.replaceChildren(message(`The context is not JSON: ${err.message}`, "error"));
      return;
    }
    const s = draft();
    run.disabled = true;
    try {
      const body = {
        context: ctx,
        ...(httpOff.checked ? { http: "off" } : {}),
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
      };
      const res = await api(`/v1/triggers/${s.trigger_event}/dry-run`, { method: "POST", json: body });
      const panel = h("aside", { class: "inspector" });
      const first = res.spans[0];
      const started = first ? first.started_at : Date.now();
      out.replaceChildren(
        h(
          "p",
          {},
          "Answer: ",
          badge(res.status),
          ` decision ${res.decision}`,
          res.blocked_by ? ` by ${res.blocked_by.name}: ${res.blocked_by.reason}` : "",
        ),
        renderWaterfall({ started_at: started, duration_ms: res.duration_ms }, res.spans, (span, calls) =>
          inspectSpan(panel, span, calls, {
            stored: span.script_id !== s.id,
            source: span.script_id === s.id ? s.source : undefined,
          }),
        ),
        panel,
      );
    } catch (err) {
      out.replaceChildren(message(`Dry run failed: ${err.message}`, "error"));
    } finally {
      run.disabled = false;
    }
  }
}
