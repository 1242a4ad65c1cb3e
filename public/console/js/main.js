// Entry point: picks the view for the current hash, keeps the navigation in step with the
// session, and tears the previous view down (timers of the live tail) before the next renders.
import { session } from "./api.js";
import { h } from "./dom.js";
import { currentRoute, navigate } from "./router.js";
import { can, needs, scopes } from "./scopes.js";
import { renderRetention } from "./views/retention.js";
import { renderScript } from "./views/script.js";
import { renderScripts } from "./views/scripts.js";
import { renderSignIn } from "./views/signin.js";
import { renderStats } from "./views/stats.js";
import { renderTrace } from "./views/trace.js";
import { renderTraces } from "./views/traces.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOut = document.getElementById("signout");
let dispose = () => {};
let notice = null;

const views = {
  traces: renderTraces,
  trace: renderTrace,
  scripts: (root, route) => (route.parts[1] ? renderScript(root, route) : renderScripts(root, route)),
  stats: renderStats,
  retention: renderRetention,
};

/** The scope each section needs to be shown at all. */
const NEEDS = {
  traces: "traces:read",
  trace: "traces:read",
  stats: "traces:read",
  scripts: "scripts:read",
  retention: "ops",
};

function render() {
  dispose();
  dispose = () => {};
  rendered = location.hash;
  const route = currentRoute();
  const signedIn = Boolean(session.token());
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
  const section = route.parts[0] ?? "traces";
  for (const a of nav.querySelectorAll("a")) {
    const allowed = can(NEEDS[a.dataset.section]);
    a.classList.toggle("locked", signedIn && !allowed);
    a.title = signedIn && !allowed ? needs(NEEDS[a.dataset.section]) : "";
    if (a.dataset.section === section || (section === "trace" && a.dataset.section === "traces"))
      a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  // a fresh container per render: async work of a view left behind lands in a detached node
  const root = h("div", { class: "view" });
  main.replaceChildren(root);
  if (!signedIn || section === "signin") {
    renderSignIn(root, route, notice);
    notice = null;
    return;
  }
  const view = views[section];
  if (!view) {
    root.append(
      h("h1", {}, "Not found"),
      h("p", {}, "There is no such page in the console. "),
      h("a", { href: "#/traces" }, "Go to traces"),
    );
    return;
  }
  if (!can(NEEDS[section])) {
    root.append(
      h("h1", {}, "Not available"),
      h("p", { class: "msg msg-error", role: "alert" }, needs(NEEDS[section])),
    );
    return;
  }
  const result = view(root, route);
  if (typeof result === "function") dispose = result;
}

let rendered = null;
// one render per distinct URL (a repeated hashchange for the same hash is ignored); navigate()
// asks for a re-render of the same URL explicitly
window.addEventListener("hashchange", () => {
  if (location.hash !== rendered) render();
});
window.addEventListener("hookline:rerender", render);
window.addEventListener("hookline:unauthorized", (e) => {
  session.signOut();
  scopes.clear();
  notice = `Signed out: the server refused the token (${e.detail.message}).`;
  navigate("/signin");
});
signOut.addEventListener("click", () => {
  session.signOut();
  scopes.clear();
  notice = "Signed out.";
  navigate("/signin");
});
render();
