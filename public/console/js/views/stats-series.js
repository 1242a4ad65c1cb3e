// Stats over time (GET /v1/stats/series, from the rollups): for one trigger, line charts of its
// calls, blocks and errors, its block and error rates, and per script the instructions p95, the
// outbound HTTP p95 and the would-block of shadow scripts. Each chart says what it shows, and
// the step the points cover.
import { h } from "../dom.js";
import { lineChart } from "./charts.js";

const rate = (part, whole) => (whole ? (part / whole) * 100 : null);
const minutes = (ms) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`);

/** One line per script that has any value for `pick`, labelled by the script's name. */
function perScript(scripts, names, pick, keep = () => true) {
  return scripts
    .filter((s) => keep(s) && s.points.some((p) => pick(p) !== null && pick(p) !== 0))
    .map((s) => ({ label: names.get(s.script_id) ?? s.script_id, values: s.points.map(pick) }));
}

/**
 * The time charts of one trigger from a series answer.
 * @param names script id → name
 */
export function seriesCharts(answer, triggerEvent, names) {
  const all = answer.series.filter((s) => s.trigger_event === triggerEvent);
  const own = all.find((s) => s.script_id === null);
  if (!own) return null;
  const scripts = all.filter((s) => s.script_id !== null);
  const times = own.points.map((p) => p.t / 1000);
  const step = minutes(answer.step_ms);
  const chart = (title, kind, series) =>
    series.length
      ? h("div", { dataset: { series: kind } }, lineChart(`${title} · per ${step}`, times, series))
      : null;
  return h(
    "div",
    { class: "charts over-time", "aria-label": `${triggerEvent} over time` },
    chart("Calls, blocked, errors", "calls", [
      { label: "calls", values: own.points.map((p) => p.calls) },
      { label: "blocked", values: own.points.map((p) => p.blocked) },
      { label: "errors", values: own.points.map((p) => p.errors) },
    ]),
    chart("Block rate and error rate (%)", "rates", [
      { label: "block rate", values: own.points.map((p) => rate(p.blocked, p.calls)) },
      { label: "error rate", values: own.points.map((p) => rate(p.errors, p.calls)) },
    ]),
    chart(
      "Instructions p95 per script",
      "instructions",
      perScript(scripts, names, (p) => p.instructions_p95),
    ),
    chart(
      "HTTP call p95 (ms) per script",
      "http",
      perScript(scripts, names, (p) => p.http_p95_ms),
    ),
    chart(
      "Shadow scripts: would have blocked",
      "would-block",
      perScript(
        scripts,
        names,
        (p) => p.would_block,
        (s) => s.points.some((p) => p.would_block || p.would_error),
      ),
    ),
  );
}
