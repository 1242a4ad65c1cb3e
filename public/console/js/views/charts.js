// Charts with uPlot (vendored, pinned: vendor/uPlot.esm.js). Bar charts over a categorical axis
// (scripts) and, where the API gives series over time, line charts. Sizes follow the container.
import { h } from "../dom.js";

// Loaded on first use: only the stats view pays for it.
let uPlotModule = null;
const loadUPlot = () => (uPlotModule ??= import("../../vendor/uPlot.esm.js").then((m) => m.default));

const PALETTE = ["#0969da", "#1a7f37", "#cf222e", "#9a6700", "#8250df"];

// canvas cannot use currentColor: axis colours come from the page's computed text colour
const ink = (u) => getComputedStyle(u.root).color;
const grid = (u) => `color-mix(in srgb, ${getComputedStyle(u.root).color} 15%, transparent)`;

function widthOf(el) {
  return Math.max(280, Math.floor(el.getBoundingClientRect().width || 600) - 8);
}

/** Draws once uPlot is loaded and the figure is in the document (so it takes its width). */
function draw(box, makeOpts, data) {
  loadUPlot().then(
    (uPlot) => {
      const opts = makeOpts(uPlot);
      opts.width = widthOf(box);
      box.dataset.drawn = "true";
      new uPlot(opts, data, box);
    },
    (err) =>
      box.append(h("p", { class: "msg msg-error", role: "alert" }, `Chart failed to load: ${err.message}`)),
  );
}

/**
 * Nested bars over a categorical axis: each label's series drawn from widest to narrowest, so a
 * part (blocked, errors) sits inside its whole (calls).
 * @param series [{ label, values: number[] }]
 */
export function barChart(title, labels, series) {
  const box = h("figure", { class: "chart" }, h("figcaption", {}, title));
  // horizontal bars: script names on the left axis have room at any width
  const opts = (uPlot) => ({
    width: 600,
    height: 50 + Math.max(labels.length, 2) * 28,
    scales: {
      x: { time: false, ori: 1, dir: -1, range: [-0.5, Math.max(labels.length - 0.5, 0.5)] },
      y: { ori: 0, dir: 1 },
    },
    axes: [
      {
        side: 3,
        size: 130,
        splits: () => labels.map((_, i) => i),
        values: (_u, ticks) => ticks.map((t) => (labels[t] ?? "").slice(0, 18)),
        stroke: ink,
        grid: { show: false },
      },
      { side: 2, stroke: ink, grid: { stroke: grid } },
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        fill: PALETTE[i % PALETTE.length],
        paths: uPlot.paths.bars({ size: [Math.max(0.7 - i * 0.22, 0.15), 60] }),
        points: { show: false },
      })),
    ],
  });
  const x = labels.map((_, i) => i);
  // drawn once the figure is in the document, so it takes the container's width
  draw(box, opts, [x, ...series.map((s) => s.values)]);
  return box;
}

/** A line chart over time (x in Unix seconds). @param series [{ label, values }] */
export function lineChart(title, times, series) {
  const box = h("figure", { class: "chart" }, h("figcaption", {}, title));
  const opts = () => ({
    width: 600,
    height: 220,
    axes: [{ stroke: ink }, { stroke: ink, grid: { stroke: grid } }],
    series: [
      {},
      // points drawn too: a step with a value between quiet (null) steps is a dot, not nothing
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        points: { show: true, size: 5, fill: PALETTE[i % PALETTE.length] },
      })),
    ],
  });
  draw(box, opts, [times, ...series.map((s) => s.values)]);
  return box;
}
