// The span inspector: input (ctx, prev), output, logs, instructions, the error with its line, the
// HTTP calls, and the script source at the version that ran (loaded once per version, on demand).
import { api } from "../api.js";
import { badge, facts, fmtMs, h, jsonBlock, message } from "../dom.js";

const sources = new Map();

/** A version's source, fetched once per (script, version) for the whole session. */
export function versionSource(scriptId, version) {
  const key = `${scriptId}@${version}`;
  if (!sources.has(key)) {
    const p = api(`/v1/scripts/${encodeURIComponent(scriptId)}/versions/${version}`).then(
      (v) => v.source ?? "",
    );
    p.catch(() => sources.delete(key));
    sources.set(key, p);
  }
  return sources.get(key);
}

/** Source lines in an ordered list; `line` (1-based) marked. */
export function sourceListing(source, line) {
  return h(
    "ol",
    { class: "source", tabindex: 0, "aria-label": "Script source" },
    source
      .split("\n")
      .map((text, i) =>
        h(
          "li",
          { class: i + 1 === line ? "error-line" : null, "aria-current": i + 1 === line ? "true" : null },
          text || " ",
        ),
      ),
  );
}

const logText = (entry) =>
  (Array.isArray(entry) ? entry : [entry])
    .map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
    .join(" ");

function section(title, ...body) {
  return h("section", { class: "inspect-part" }, h("h3", {}, title), ...body);
}

/** Renders one span into `panel`. `opts.stored === false` (dry runs) loads no saved source. */
export function inspectSpan(panel, span, calls, opts = {}) {
  const a = span.attributes && typeof span.attributes === "object" ? span.attributes : {};
  const line = typeof a.error_line === "number" ? a.error_line : null;
  const logs = Array.isArray(a.logs) ? a.logs : [];
  const src = h("div", { class: "source-wrap" });
  panel.replaceChildren(
    ...[
      h("h2", { tabindex: -1 }, span.name),
      facts([
        ["Status", [badge(span.status), span.status_message ? ` ${span.status_message}` : ""]],
        line ? ["Error line", h("span", { class: "error-at" }, `line ${line}`)] : null,
        ["Script", `${span.script_id} v${span.script_version ?? "?"}`],
        ["Duration", fmtMs(span.duration_ms)],
        [
          "Instructions",
          `${a.instructions ?? 0}${a.instruction_budget ? ` of ${a.instruction_budget}` : ""}`,
        ],
      ]),
      section(
        "Logs",
        logs.length
          ? h(
              "ol",
              { class: "logs" },
              logs.map((l) => h("li", {}, logText(l))),
            )
          : h("p", { class: "muted" }, "No logs."),
        a.logs_dropped ? h("p", { class: "muted" }, `${a.logs_dropped} dropped`) : null,
      ),
      section("Output", jsonBlock(a.output ?? null, "Output")),
      section("Input: ctx", jsonBlock(a.input?.ctx ?? null, "Context")),
      section("Input: prev", jsonBlock(a.input?.prev ?? null, "Data from earlier layers")),
      calls.length
        ? section(
            "HTTP calls",
            h(
              "ul",
              { class: "calls" },
              calls.map((c) =>
                h(
                  "li",
                  {},
                  `${c.name} · ${c.status}${c.status_message ? ` (${c.status_message})` : ""} · ${fmtMs(c.duration_ms)}`,
                  jsonBlock(c.attributes ?? null, "Call attributes"),
                ),
              ),
            ),
          )
        : null,
      section(`Source at v${span.script_version ?? "?"}`, src),
    ].filter(Boolean),
  );
  panel.querySelector("h2").focus();
  if (opts.source !== undefined) src.replaceChildren(sourceListing(opts.source, line));
  else if (span.script_version && opts.stored !== false) {
    src.replaceChildren(message("Loading the source…"));
    versionSource(span.script_id, span.script_version).then(
      (s) => src.replaceChildren(sourceListing(s, line)),
      (err) => src.replaceChildren(message(`Could not load the source: ${err.message}`, "error")),
    );
  } else src.replaceChildren(h("p", { class: "muted" }, "Draft: not saved."));
}
