// Hash routes (`#/traces?status=blocked`): every view's state — filters included — lives in the
// URL, so a link can be shared, and the static files need no server-side fallback.

/** The current route: path segments and query parameters. */
export function currentRoute() {
  const raw = location.hash.replace(/^#/, "") || "/traces";
  const [path, query = ""] = raw.split("?");
  return {
    path,
    parts: path.split("/").filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(query),
  };
}

/** A hash link for a path and parameters (empty values left out). */
export function hrefFor(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of params instanceof URLSearchParams ? params : Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ""}`;
}

/** Navigates (a new history entry; the hashchange renders the view). */
export function navigate(path, params) {
  const target = hrefFor(path, params);
  if (location.hash === target) window.dispatchEvent(new CustomEvent("hookline:rerender"));
  else location.hash = target;
}
