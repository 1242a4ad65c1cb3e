// The layered waterfall: one row per layer, the scripts of a layer side by side (parallel_index
// order), each a button coloured by status with its bar on the trace's time axis; skipped scripts
// are greyed, outbound HTTP calls (CLIENT child spans) are nested bars with their own durations.
import { fmtMs, h } from "../dom.js";

/** Script spans grouped by layer, with each span's CLIENT children (one pass over the spans). */
export function layersOf(spans) {
  const children = new Map();
  const scripts = [];
  for (const s of spans) {
    if (s.kind === "CLIENT") children.set(s.parent_span_id, [...(children.get(s.parent_span_id) ?? []), s]);
    else if (s.kind !== "SERVER") scripts.push(s);
  }
  const layers = new Map();
  for (const s of scripts) layers.set(s.layer_index, [...(layers.get(s.layer_index) ?? []), s]);
  return [...layers]
    .sort(([a], [b]) => a - b)
    .map(([index, list]) => ({
      index,
      spans: list
        .sort((a, b) => a.parallel_index - b.parallel_index)
        .map((span) => ({ span, calls: children.get(span.id) ?? [] })),
    }));
}

const pct = (v) => `${Math.max(0, Math.min(100, v)).toFixed(3)}%`;

/** A bar on the axis [t0, t0 + total]. */
function track(start, duration, t0, total, cls) {
  const left = ((start - t0) / total) * 100;
  const width = Math.max((duration / total) * 100, 0.6);
  return h(
    "span",
    { class: `track ${cls}`, "aria-hidden": "true" },
    h("span", { class: "fill", style: { left: pct(left), width: pct(Math.min(width, 100 - left)) } }),
  );
}

/**
 * Renders the waterfall. `onSelect(span, calls)` is called when a bar is chosen.
 * @param trace {started_at, duration_ms} of the trace (or dry run) the spans belong to
 */
export function renderWaterfall(trace, spans, onSelect) {
  const t0 = Math.min(trace.started_at, ...spans.map((s) => s.started_at));
  const end = Math.max(
    trace.started_at + trace.duration_ms,
    ...spans.map((s) => s.started_at + s.duration_ms),
  );
  const total = Math.max(end - t0, 1);
  const buttons = [];
  const select = (button, span, calls) => {
    for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
    onSelect(span, calls);
  };
  const rows = layersOf(spans).map((layer) => {
    const allSkipped = layer.spans.every(({ span }) => span.status === "skipped");
    return h(
      "li",
      { class: `layer${allSkipped ? " skipped" : ""}`, dataset: { layer: layer.index } },
      h(
        "span",
        { class: "layer-name" },
        `Layer ${layer.index}`,
        allSkipped ? h("span", { class: "muted" }, " · skipped") : null,
      ),
      h(
        "div",
        { class: "lane" },
        layer.spans.map(({ span, calls }) => {
          const shadow = span.attributes?.shadow === true || span.attributes?.mode === "shadow";
          const button = h(
            "button",
            {
              type: "button",
              class: `bar st-${span.status}${shadow ? " shadow" : ""}`,
              "aria-pressed": "false",
              dataset: { span: span.id, status: span.status },
              on: { click: () => select(button, span, calls) },
            },
            h(
              "span",
              { class: "bar-head" },
              h("span", { class: "bar-name" }, span.name),
              h("span", { class: "bar-meta" }, `${span.status} · ${fmtMs(span.duration_ms)}`),
            ),
            shadow
              ? h(
                  "span",
                  { class: "tag" },
                  span.attributes?.would_block
                    ? "shadow · would block"
                    : span.attributes?.would_error
                      ? "shadow · would fail"
                      : "shadow",
                )
              : null,
            track(span.started_at, span.duration_ms, t0, total, "script"),
            calls.map((call) =>
              h(
                "span",
                { class: `call st-${call.status}`, dataset: { call: call.id } },
                h("span", { class: "call-name" }, call.name, " · ", fmtMs(call.duration_ms)),
                track(call.started_at, call.duration_ms, t0, total, "http"),
              ),
            ),
          );
          buttons.push(button);
          return button;
        }),
      ),
    );
  });
  return h(
    "div",
    { class: "waterfall" },
    h("p", { class: "axis muted" }, `0 ms — ${fmtMs(total)}`),
    rows.length
      ? h("ol", { class: "layers", "aria-label": "Layers" }, rows)
      : h("p", { class: "muted" }, "No scripts ran."),
  );
}
