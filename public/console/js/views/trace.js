// One trace: its summary, the layered waterfall and the span inspector, from a single
// GET /v1/traces/{id} (every span arrives with it: no request per span), plus an OTLP download.
import { api } from "../api.js";
import { badge, facts, fmtMs, fmtTime, h, jsonBlock, message } from "../dom.js";
import { can } from "../scopes.js";
import { inspectSpan } from "./inspector.js";
import { renderReplay } from "./replay.js";
import { renderWaterfall } from "./waterfall.js";

/** Saves a Blob as a file through a temporary same-document object URL. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function renderTrace(root, route) {
  const id = route.parts[1] ?? "";
  const status = h("div", { "aria-live": "polite" }, message("Loading the trace…"));
  root.append(
    h("p", {}, h("a", { href: "#/traces" }, "← Traces")),
    h("h1", {}, "Trace ", h("code", {}, id)),
    status,
  );
  api(`/v1/traces/${encodeURIComponent(id)}`).then(
    (trace) => {
      status.replaceChildren();
      show(root, trace, status);
    },
    (err) => status.replaceChildren(message(`Could not load the trace: ${err.message}`, "error")),
  );
}

function show(root, trace, status) {
  const panel = h(
    "aside",
    { class: "inspector card", "aria-label": "Span inspector" },
    h("p", { class: "muted" }, "Choose a script in the waterfall to inspect it."),
  );
  const download = h("button", { type: "button", on: { click: onDownload } }, "Download OTLP JSON");
  root.append(
    facts(
      [
        ["Trigger", trace.trigger_event],
        ["Status", [badge(trace.status), ` decision ${trace.decision}`]],
        trace.status_message ? ["Why", trace.status_message] : null,
        ["Started", fmtTime(trace.started_at)],
        ["Duration", fmtMs(trace.duration_ms)],
        ["User", trace.user_id ?? "–"],
        ["IP", trace.request_ip ?? "–"],
      ],
      "facts summary",
    ),
    h("div", { class: "toolbar" }, download),
    h(
      "div",
      { class: "trace-body" },
      h(
        "section",
        { class: "card", "aria-label": "Waterfall" },
        h("h2", {}, "Waterfall"),
        renderWaterfall(trace, trace.spans, (span, calls) => inspectSpan(panel, span, calls)),
      ),
      panel,
    ),
    renderReplay(trace, can("scripts:write")),
    h(
      "details",
      { class: "card" },
      h("summary", {}, "Context"),
      jsonBlock(trace.context_snapshot, "Context"),
    ),
    h(
      "details",
      { class: "card" },
      h("summary", {}, "Result data"),
      jsonBlock(trace.result_data, "Result data"),
    ),
  );

  async function onDownload() {
    try {
      saveBlob(await api(`/v1/traces/${trace.id}/otlp`, { blob: true }), `trace-${trace.id}.otlp.json`);
    } catch (err) {
      status.replaceChildren(message(`Download failed: ${err.message}`, "error"));
    }
  }
}
