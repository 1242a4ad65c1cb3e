// A Lua source editor: a textarea with a line-number gutter. `check(source)` runs as the user
// types (debounced); `markError(line, text)` highlights the API's 422 line in the gutter.
import { h } from "../dom.js";

const CHECK_AFTER_MS = 350;

/**
 * @param source initial text
 * @param check async (source) => ({ line, message } | null), called as the user types
 */
export function createEditor(source, check, { readOnly = false } = {}) {
  const gutter = h("ol", { class: "gutter", "aria-hidden": "true" });
  const area = h("textarea", {
    class: "code",
    spellcheck: "false",
    "aria-label": "Lua source",
    autocapitalize: "off",
    wrap: "off",
  });
  area.value = source;
  area.readOnly = readOnly;
  const problem = h("p", { class: "compile", role: "status", "aria-live": "polite" });
  let errorLine = null;
  let timer = null;
  let seq = 0;

  const drawGutter = () => {
    const n = area.value.split("\n").length;
    if (gutter.childElementCount !== n)
      gutter.replaceChildren(...Array.from({ length: n }, (_, i) => h("li", {}, String(i + 1))));
    for (const li of gutter.querySelectorAll("li.error")) li.classList.remove("error");
    if (errorLine) gutter.children[errorLine - 1]?.classList.add("error");
    gutter.scrollTop = area.scrollTop;
  };

  const editor = {
    element: h("div", { class: "editor" }, h("div", { class: "editor-frame" }, gutter, area), problem),
    textarea: area,
    value: () => area.value,
    setValue(text) {
      area.value = text;
      editor.markError(null);
    },
    /** Shows (or with null clears) a compile error at a line. */
    markError(line, text) {
      errorLine = line ?? null;
      problem.className = `compile ${line || text ? "bad" : "ok"}`;
      problem.textContent = text ? (line ? `Line ${line}: ${text}` : text) : "Compiles.";
      area.setAttribute("aria-invalid", String(Boolean(text)));
      drawGutter();
    },
  };
  area.addEventListener("scroll", () => (gutter.scrollTop = area.scrollTop));
  area.addEventListener("input", () => {
    drawGutter();
    clearTimeout(timer);
    const mine = ++seq;
    timer = setTimeout(async () => {
      const result = await check(area.value);
      if (mine === seq) editor.markError(result?.line ?? null, result?.message ?? null);
    }, CHECK_AFTER_MS);
  });
  drawGutter();
  return editor;
}
