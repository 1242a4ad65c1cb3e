// Stats: per trigger and per script, from GET /v1/stats (window and trigger in the URL), with the
// same window over time from GET /v1/stats/series. Each bar chart has the same numbers in a table
// next to it, for reading and for screen readers.
import { api } from "../api.js";
import { field, fmtMs, h, message } from "../dom.js";
import { navigate } from "../router.js";
import { barChart } from "./charts.js";
import { seriesCharts } from "./stats-series.js";

const pctOf = (part, whole) => (whole ? `${((part / whole) * 100).toFixed(1)}%` : "–");

function table(caption, head, rows) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          head.map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((r) =>
          h(
            "tr",
            {},
            r.map((c, i) => h(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : { class: "num" }, c)),
          ),
        ),
      ),
    ),
  );
}

export function renderStats(root, route) {
  const p = route.params;
  const q = {
    trigger_event: p.get("trigger_event") ?? "",
    since: p.get("since") ?? "",
    until: p.get("until") ?? "",
  };
  const input = (name, label, placeholder) =>
    field(label, h("input", { name, value: q[name], placeholder, autocomplete: "off" }));
  const form = h(
    "form",
    {
      class: "filters",
      on: {
        submit: (e) => {
          e.preventDefault();
          navigate("/stats", Object.fromEntries(new FormData(form)));
        },
      },
    },
    input("trigger_event", "Trigger", "all"),
    input("since", "Since", "default: 24 h ago"),
    input("until", "Until", "default: now"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Apply")),
  );
  const status = h("div", { "aria-live": "polite" }, message("Loading stats…"));
  const body = h("div");
  root.append(h("h1", {}, "Stats"), form, status, body);
  Promise.all([
    api("/v1/stats", { query: q }),
    api("/v1/stats/series", { query: q }),
    api("/v1/scripts"),
  ]).then(
    ([stats, series, { scripts: all }]) => {
      status.replaceChildren(
        message(
          `From per-minute rollups. Durations are I/O time only (on Workers the clock stands still during computation); instructions measure compute. Percentiles ±${(stats.source.percentile_relative_error * 100).toFixed(1)} %.`,
        ),
      );
      const names = new Map(all.map((s) => [s.id, s.name]));
      if (!stats.triggers.length) body.append(message("No traces in this window."));
      for (const t of stats.triggers) {
        const scripts = stats.scripts.filter((s) => s.trigger_event === t.trigger_event);
        const labels = scripts.map((s) => names.get(s.script_id) ?? s.script_id);
        body.append(
          h(
            "section",
            { class: "card stats-trigger", dataset: { trigger: t.trigger_event } },
            h("h2", {}, t.trigger_event),
            seriesCharts(series, t.trigger_event, names),
            h(
              "p",
              {},
              `${t.calls} calls · block rate ${pctOf(t.blocked, t.calls)} · error rate ${pctOf(t.errors, t.calls)} · p50 ${fmtMs(t.p50_ms)} · p95 ${fmtMs(t.p95_ms)} · max ${fmtMs(t.max_ms)}`,
            ),
            h(
              "div",
              { class: "charts" },
              barChart("Spans per script: calls, blocked, errors", labels, [
                { label: "calls", values: scripts.map((s) => s.calls) },
                { label: "blocked", values: scripts.map((s) => s.blocked) },
                { label: "errors", values: scripts.map((s) => s.errors) },
              ]),
              scripts.some((s) => s.shadow_runs)
                ? barChart("Shadow scripts: runs, would block, would fail", labels, [
                    { label: "shadow runs", values: scripts.map((s) => s.shadow_runs ?? 0) },
                    { label: "would block", values: scripts.map((s) => s.would_block ?? 0) },
                    { label: "would fail", values: scripts.map((s) => s.would_error ?? 0) },
                  ])
                : null,
              barChart("Duration per script (ms): p95, p50", labels, [
                { label: "p95", values: scripts.map((s) => s.p95_ms ?? 0) },
                { label: "p50", values: scripts.map((s) => s.p50_ms ?? 0) },
              ]),
            ),
            table(
              "Per script",
              [
                "Script",
                "Calls",
                "Blocked",
                "Errors",
                "Skipped",
                "Would block",
                "Block rate",
                "Error rate",
                "p50",
                "p95",
                "Instr. p50",
                "Instr. p95",
                "Instr. max",
              ],
              scripts.map((s, i) => [
                labels[i],
                s.calls,
                s.blocked,
                s.errors,
                s.skipped,
                s.would_block ?? "–",
                pctOf(s.blocked, s.calls),
                pctOf(s.errors, s.calls),
                fmtMs(s.p50_ms),
                fmtMs(s.p95_ms),
                s.instructions_p50 ?? "–",
                s.instructions_p95 ?? "–",
                s.instructions_max ?? "–",
              ]),
            ),
          ),
        );
      }
    },
    (err) => status.replaceChildren(message(`Could not load stats: ${err.message}`, "error")),
  );
}
