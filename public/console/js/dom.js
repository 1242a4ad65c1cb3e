// DOM building for the whole console. Every value from the API reaches the page through here, as
// text: there is no innerHTML anywhere, attributes are set one by one, inline handler attributes
// (`on…`) are refused, and links only take in-app (`#…`) or same-origin (`/…`) targets.

/** Whether a link target stays inside this origin. */
export const isSafeHref = (v) => typeof v === "string" && /^(#|\/(?!\/))/.test(v);

/**
 * Creates an element. props: `class`, `on` ({event: fn}), `dataset`, `style` (object, set through
 * CSSOM), any other key as an attribute (`true` → empty attribute; null/false/undefined → none).
 * Children: nodes, strings (as text), numbers, arrays, null (skipped).
 * @example h("a", { href: "#/traces" }, "Traces")
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style") {
      Object.assign(el.style, value);
    } else if (/^on/i.test(key)) {
      throw new Error(`refusing inline handler attribute ${key}`);
    } else if (key === "href" && !isSafeHref(value)) {
      throw new Error("refusing a link outside this origin");
    } else if (key === "value" || key === "checked") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (text stays text). */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Pretty JSON in a <pre>, as text. */
export const jsonBlock = (value, label) =>
  h("pre", { class: "json", tabindex: 0, "aria-label": label }, JSON.stringify(value, null, 2) ?? "null");

/** A one-line status/alert message region. */
export const message = (text, kind = "info") =>
  h("p", { class: `msg msg-${kind}`, role: kind === "error" ? "alert" : "status" }, text);

const pad = (n, w = 2) => String(n).padStart(w, "0");

/** Formats Unix ms as local `YYYY-MM-DD HH:MM:SS` (no Intl: the same in every locale). */
export function fmtTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Formats a duration in ms. */
export const fmtMs = (ms) =>
  ms === null || ms === undefined ? "–" : `${Number(ms).toFixed(ms < 10 ? 2 : 1)} ms`;

/** A labelled form field wrapping the given control. */
export function field(label, control, hint) {
  return h(
    "label",
    { class: "field" },
    h("span", { class: "label" }, label),
    control,
    hint && h("span", { class: "hint" }, hint),
  );
}

/** A status badge: colour plus the word, never colour alone. */
export const badge = (status) => h("span", { class: `badge st-${status}` }, status);

/** A definition list of [term, description] pairs (null pairs skipped), each pair in a <div>. */
export const facts = (pairs, cls = "facts") =>
  h(
    "dl",
    { class: cls },
    pairs.filter(Boolean).map(([term, desc]) => h("div", {}, h("dt", {}, term), h("dd", {}, desc))),
  );

/**
 * Asks in a modal <dialog> (never window.confirm: the page's own markup, keyboard-reachable,
 * Cancel focused first). Resolves true only when the confirm button is pressed.
 */
export function askToConfirm(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const yes = h("button", { type: "button", class: "danger" }, confirmLabel);
    const no = h("button", { type: "button" }, "Cancel");
    const dialog = h(
      "dialog",
      { "aria-label": title },
      h("h2", {}, title),
      h("p", {}, text),
      h("div", { class: "toolbar" }, yes, no),
    );
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    yes.addEventListener("click", () => finish(true));
    no.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
