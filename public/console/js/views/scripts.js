// The scripts of each trigger as a grid: one row per layer, the layer's scripts side by side in
// parallel_index order; disabled scripts are listed apart. Each cell opens the editor.
import { api } from "../api.js";
import { h, message } from "../dom.js";

function grid(scripts) {
  const layers = new Map();
  for (const s of scripts) layers.set(s.layer_index, [...(layers.get(s.layer_index) ?? []), s]);
  return h(
    "ol",
    { class: "layers grid" },
    [...layers]
      .sort(([a], [b]) => a - b)
      .map(([index, list]) =>
        h(
          "li",
          { class: "layer", dataset: { layer: index } },
          h("span", { class: "layer-name" }, `Layer ${index}`),
          h(
            "div",
            { class: "lane" },
            list
              .sort((a, b) => a.parallel_index - b.parallel_index)
              .map((s) =>
                h(
                  "a",
                  {
                    class: `cell${s.enabled ? "" : " disabled"}`,
                    href: `#/scripts/${encodeURIComponent(s.id)}`,
                    dataset: { script: s.id },
                  },
                  h("span", { class: "bar-name" }, s.name),
                  h(
                    "span",
                    { class: "bar-meta" },
                    `v${s.current_version} · on error ${s.on_error}${s.enabled ? "" : " · disabled"}`,
                  ),
                  s.mode === "shadow" ? h("span", { class: "tag" }, "shadow") : null,
                ),
              ),
          ),
        ),
      ),
  );
}

export function renderScripts(root) {
  const status = h("div", { "aria-live": "polite" }, message("Loading scripts…"));
  const body = h("div");
  root.append(h("h1", {}, "Scripts"), status, body);
  api("/v1/scripts").then(
    ({ scripts }) => {
      status.replaceChildren(
        scripts.length ? "" : message("No scripts yet: create them with POST /v1/scripts."),
      );
      const events = new Map();
      for (const s of scripts) events.set(s.trigger_event, [...(events.get(s.trigger_event) ?? []), s]);
      for (const [event, list] of [...events].sort(([a], [b]) => a.localeCompare(b))) {
        const enabled = list.filter((s) => s.enabled);
        const disabled = list.filter((s) => !s.enabled);
        body.append(
          h(
            "section",
            { class: "card trigger", dataset: { trigger: event } },
            h("h2", {}, event),
            enabled.length ? grid(enabled) : h("p", { class: "muted" }, "No enabled scripts."),
            disabled.length
              ? h("details", {}, h("summary", {}, `${disabled.length} disabled`), grid(disabled))
              : null,
          ),
        );
      }
    },
    (err) => status.replaceChildren(message(`Could not load scripts: ${err.message}`, "error")),
  );
}
