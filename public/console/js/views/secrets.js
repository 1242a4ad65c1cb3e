// A script's secrets, by name only: the list (GET /v1/scripts/{id}/secrets answers names and
// times, never values), a form to set one (PUT; the value goes into a password field and is
// cleared as soon as it is sent) and a delete that asks first. Without secrets:write the list is
// shown read-only and the page says why.
import { api } from "../api.js";
import { askToConfirm, field, fmtTime, h, message } from "../dom.js";
import { can, needs } from "../scopes.js";

const NAME_PATTERN = "^[A-Z][A-Z0-9_]{0,63}$";

export function renderSecrets(scriptId) {
  const base = `/v1/scripts/${encodeURIComponent(scriptId)}/secrets`;
  const writable = can("secrets:write");
  const list = h("ul", { class: "secrets", "aria-label": "Secret names" });
  const status = h("div", { "aria-live": "polite" }, message("Loading the secret names…"));
  const name = h("input", {
    name: "secret_name",
    pattern: NAME_PATTERN,
    required: true,
    autocomplete: "off",
  });
  const value = h("input", {
    name: "secret_value",
    type: "password",
    required: true,
    autocomplete: "new-password",
  });
  const form = h(
    "form",
    { class: "secret-form", "aria-label": "Set a secret", on: { submit: onSet } },
    field("Name", name),
    field("Value (write-only)", value),
    h("div", { class: "toolbar" }, h("button", { type: "submit", class: "primary" }, "Set secret")),
  );

  const row = (s) =>
    h(
      "li",
      { dataset: { secret: s.name } },
      h("code", {}, s.name),
      ` · set ${fmtTime(s.updated_at)} · key ${s.key_id} `,
      writable
        ? h("button", { type: "button", class: "danger", on: { click: () => onDelete(s.name) } }, "Delete")
        : null,
    );

  async function load() {
    try {
      const { secrets, max_secrets } = await api(base);
      list.replaceChildren(...secrets.map(row));
      status.replaceChildren(
        message(secrets.length ? `${secrets.length} of at most ${max_secrets}.` : "No secrets yet."),
      );
    } catch (err) {
      status.replaceChildren(message(`Secrets unavailable: ${err.message}`, "error"));
    }
  }

  async function onSet(e) {
    e.preventDefault();
    const secretName = name.value;
    const json = { value: value.value };
    value.value = ""; // the value leaves the page once, and is never shown again
    try {
      await api(`${base}/${encodeURIComponent(secretName)}`, { method: "PUT", json });
      name.value = "";
      await load();
      status.replaceChildren(message(`Secret ${secretName} set.`));
    } catch (err) {
      status.replaceChildren(message(`Not set: ${err.message}`, "error"));
    }
  }

  async function onDelete(secretName) {
    const sure = await askToConfirm(
      `Delete ${secretName}?`,
      `Scripts reading secrets.${secretName} will see nil. The value cannot be recovered.`,
      "Delete it",
    );
    if (!sure) return;
    try {
      await api(`${base}/${encodeURIComponent(secretName)}`, { method: "DELETE" });
      await load();
      status.replaceChildren(message(`Secret ${secretName} deleted.`));
    } catch (err) {
      status.replaceChildren(message(`Not deleted: ${err.message}`, "error"));
    }
  }

  load();
  return h(
    "section",
    { class: "card", "aria-label": "Secrets" },
    h("h2", {}, "Secrets"),
    h(
      "p",
      { class: "muted" },
      "Read in Lua as secrets.NAME. Values are write-only: the console never shows them.",
    ),
    list,
    status,
    writable
      ? form
      : h("p", { class: "readonly-note" }, `${needs("secrets:write")} Setting and deleting are hidden.`),
  );
}
