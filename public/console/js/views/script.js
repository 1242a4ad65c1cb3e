// One script: the editor with a compile check as you type (POST /v1/scripts/check; the 422's
// line is marked), Save (a new version), the version history, the secrets by name, and a dry run
// of the draft.
import { api } from "../api.js";
import { fmtTime, h, message } from "../dom.js";
import { can, needs } from "../scopes.js";
import { renderBacktest } from "./backtest.js";
import { renderDryRun } from "./dry-run.js";
import { createEditor } from "./editor.js";
import { sourceListing } from "./inspector.js";
import { renderSecrets } from "./secrets.js";

/** A 422 answer → { line, message }; any other failure → { message }. */
export function compileProblem(err) {
  if (err.code === "SCRIPT_COMPILE_ERROR")
    return { line: err.details?.line ?? null, message: err.details?.message ?? err.message };
  return { line: null, message: err.message };
}

export function renderScript(root, route) {
  const id = route.parts[1];
  const status = h("div", { "aria-live": "polite" }, message("Loading the script…"));
  root.append(h("p", {}, h("a", { href: "#/scripts" }, "← Scripts")), status);
  Promise.all([
    api(`/v1/scripts/${encodeURIComponent(id)}`),
    api(`/v1/scripts/${encodeURIComponent(id)}/versions`),
  ]).then(
    ([script, { versions }]) => {
      status.replaceChildren();
      show(root, script, versions);
    },
    (err) => status.replaceChildren(message(`Could not load the script: ${err.message}`, "error")),
  );
}

function show(root, script, versions) {
  const check = (source) =>
    api("/v1/scripts/check", { method: "POST", json: { source } }).then(() => null, compileProblem);
  const writable = can("scripts:write");
  const editor = createEditor(script.source, check, { readOnly: !writable });
  const saveStatus = h("div", { class: "save-status", "aria-live": "polite" });
  const heading = h("h1", {}, script.name);
  const versionInfo = h("p", { class: "muted version-info" });
  const history = h("ol", { class: "versions", reversed: true });
  const viewer = h("div", { class: "version-view" });
  const save = h("button", { type: "button", class: "primary", on: { click: () => onSave() } }, "Save");
  let current = script;

  const describe = () => {
    const hosts = current.allowed_hosts?.length
      ? ` · may fetch ${current.allowed_hosts.join(", ")} (timeout ${current.timeout_ms} ms)`
      : "";
    versionInfo.textContent = `${current.trigger_event} · layer ${current.layer_index} · slot ${current.parallel_index} · version ${current.current_version} · on error ${current.on_error}${current.mode ? ` · ${current.mode} mode` : ""}${hosts}${current.enabled ? "" : " · disabled"}`;
  };
  const drawHistory = (list) =>
    history.replaceChildren(
      ...[...list]
        .reverse()
        .map((v) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "link", on: { click: () => showVersion(v.version) } },
              `v${v.version}`,
            ),
            ` · ${fmtTime(v.created_at)}`,
            v.version === current.current_version ? " · current" : "",
          ),
        ),
    );

  async function showVersion(n) {
    viewer.replaceChildren(message(`Loading v${n}…`));
    try {
      const v = await api(`/v1/scripts/${current.id}/versions/${n}`);
      viewer.replaceChildren(
        h("h3", {}, `Version ${n}`),
        sourceListing(v.source ?? ""),
        writable
          ? h(
              "div",
              { class: "toolbar" },
              h(
                "button",
                { type: "button", on: { click: () => editor.setValue(v.source ?? "") } },
                "Load into the editor",
              ),
              n !== current.current_version
                ? h("button", { type: "button", on: { click: () => rollback(n) } }, `Roll back to v${n}`)
                : null,
            )
          : null,
      );
    } catch (err) {
      viewer.replaceChildren(message(`Could not load v${n}: ${err.message}`, "error"));
    }
  }

  /** Runs a change (save, rollback, mode switch): the answer becomes the current script. */
  async function change(busy, request, done) {
    save.disabled = true;
    saveStatus.replaceChildren(message(busy));
    try {
      current = await request();
      editor.setValue(current.source);
      editor.markError(null);
      describe();
      saveStatus.replaceChildren(message(done(current)));
      drawHistory((await api(`/v1/scripts/${current.id}/versions`)).versions);
    } catch (err) {
      const p = compileProblem(err);
      if (err.code === "SCRIPT_COMPILE_ERROR") editor.markError(p.line, p.message);
      saveStatus.replaceChildren(message(`Not saved: ${err.message}`, "error"));
    } finally {
      save.disabled = false;
    }
  }
  // expected_version: a version saved elsewhere since this page loaded is refused (409), not overwritten
  const put = (json) => () =>
    api(`/v1/scripts/${current.id}`, {
      method: "PUT",
      json: { ...json, expected_version: current.current_version },
    });
  const onSave = () =>
    change("Saving…", put({ source: editor.value() }), (s) => `Saved: version ${s.current_version}.`);
  const rollback = (n) =>
    change(
      `Rolling back to v${n}…`,
      () => api(`/v1/scripts/${current.id}/rollback`, { method: "POST", json: { version: n } }),
      (s) => `Rolled back: version ${s.current_version} has the source and settings of v${n}.`,
    );
  const other = () => (current.mode === "shadow" ? "enforce" : "shadow");
  const modeSwitch = h("button", {
    type: "button",
    on: {
      click: () =>
        change(
          "Switching…",
          put({ mode: other() }),
          (s) => `Now in ${s.mode} mode, still version ${s.current_version}.`,
        ).then(label),
    },
  });
  const label = () => {
    modeSwitch.textContent =
      current.mode === "shadow" ? "Enforce (leave shadow mode)" : "Switch to shadow mode";
  };
  label();

  describe();
  drawHistory(versions);
  root.append(
    heading,
    versionInfo,
    h(
      "div",
      { class: "script-body" },
      h(
        "section",
        { class: "card", "aria-label": "Editor" },
        editor.element,
        writable
          ? h("div", { class: "toolbar" }, save, current.mode ? modeSwitch : null)
          : h(
              "p",
              { class: "readonly-note" },
              `Read-only. ${needs("scripts:write")} Editing, saving and dry runs are hidden.`,
            ),
        saveStatus,
      ),
      h(
        "section",
        { class: "card", "aria-label": "Version history" },
        h("h2", {}, "Versions"),
        history,
        viewer,
      ),
    ),
    renderSecrets(current.id),
    writable ? renderDryRun(() => ({ ...current, source: editor.value() })) : null,
    writable ? renderBacktest(() => ({ ...current, source: editor.value() })) : null,
  );
}
