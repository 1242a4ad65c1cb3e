// Sign in: the token is checked against the API (and its scopes learnt, see scopes.js) before it
// is kept; a refused token is never stored and the server's reason is shown.
import { session } from "../api.js";
import { h, message } from "../dom.js";
import { navigate } from "../router.js";
import { probeScopes, scopes } from "../scopes.js";

export function renderSignIn(root, route, notice) {
  const input = h("input", {
    id: "token",
    type: "password",
    name: "token",
    autocomplete: "off",
    required: true,
    spellcheck: "false",
  });
  const status = h("div", { class: "signin-status", "aria-live": "polite" }, notice ? message(notice) : null);
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "card signin", on: { submit: onSubmit } },
    h("h1", {}, "Sign in"),
    h(
      "p",
      { class: "muted" },
      "Paste an API token (the ADMIN_TOKEN, or a scoped one). It stays in this tab only (sessionStorage) and is sent as a bearer header.",
    ),
    h("label", { for: "token", class: "label" }, "Token"),
    input,
    submit,
    status,
  );
  root.append(form);
  input.focus();

  async function onSubmit(event) {
    event.preventDefault();
    const token = input.value.trim();
    submit.disabled = true;
    status.replaceChildren(message("Checking the token…"));
    try {
      const held = await probeScopes(token);
      if (held.length === 0) throw new Error("this token holds none of the scopes the console uses");
      session.signIn(token);
      scopes.save(held);
      const next = route.params.get("next");
      navigate(next?.startsWith("/") ? next : held.includes("traces:read") ? "/traces" : "/scripts");
    } catch (err) {
      const why =
        err.status === 401
          ? `The server refused this token: ${err.message}.`
          : `Could not check the token: ${err.message}`;
      status.replaceChildren(message(why, "error"));
      input.select();
    } finally {
      submit.disabled = false;
    }
  }
}
