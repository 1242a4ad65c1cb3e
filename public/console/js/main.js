// Entry point: picks the view for the current hash, keeps the navigation in step with the
// session, and tears the previous view down (timers of the live tail) before the next renders.
import { session } from "./api.js";
import { h } from "./dom.js";
import { currentRoute, navigate } from "./router.js";
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

function render() {
  dispose();
  dispose = () => {};
  const route = currentRoute();
  const signedIn = Boolean(session.token());
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
  const section = route.parts[0] ?? "traces";
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.section === section || (section === "trace" && a.dataset.section === "traces"))
      a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  main.replaceChildren();
  if (!signedIn || section === "signin") {
    renderSignIn(main, route, notice);
    notice = null;
    return;
  }
  const view = views[section];
  if (!view) {
    main.append(
      h("h1", {}, "Not found"),
      h("p", {}, "There is no such page in the console. "),
      h("a", { href: "#/traces" }, "Go to traces"),
    );
    return;
  }
  const result = view(main, route);
  if (typeof result === "function") dispose = result;
}

window.addEventListener("hashchange", render);
window.addEventListener("hookline:unauthorized", (e) => {
  session.signOut();
  notice = `Signed out: the server refused the token (${e.detail.message}).`;
  navigate("/signin");
});
signOut.addEventListener("click", () => {
  session.signOut();
  notice = "Signed out.";
  navigate("/signin");
});
render();
