// The console's only way to the API: same-origin fetch with the token as a bearer header. The
// token lives in sessionStorage (gone with the tab); no cookies are used, so there is no CSRF
// surface. A 401 anywhere signs the user out with the server's message.

const KEY = "hookline.token";

export const session = {
  token: () => sessionStorage.getItem(KEY),
  signIn: (t) => sessionStorage.setItem(KEY, t),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** An API error answer: status plus the error shape's code, message, field and details. */
export class ApiError extends Error {
  constructor(status, body) {
    const err = body && typeof body === "object" ? body.error : undefined;
    super(err?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = err?.code ?? "HTTP_ERROR";
    this.field = err?.field;
    this.details = err?.details;
  }
}

/** Query parameters without empty values. */
export function cleanQuery(params) {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {}))
    if (v !== undefined && v !== null && v !== "") out.set(k, String(v));
  return out;
}

/**
 * Calls the API. `json` sends a JSON body; `query` adds parameters; `blob` answers the raw body.
 * @throws ApiError on a non-2xx answer (a 401 also dispatches `hookline:unauthorized`).
 */
export async function api(path, { method = "GET", json, query, blob = false, token } = {}) {
  const headers = { authorization: `Bearer ${token ?? session.token() ?? ""}` };
  let body;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  }
  const qs = query ? cleanQuery(query).toString() : "";
  const res = await fetch(qs ? `${path}?${qs}` : path, {
    method,
    headers,
    body,
    credentials: "omit",
    cache: "no-store",
  });
  if (res.ok && blob) return res.blob();
  const type = res.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    const error = new ApiError(res.status, data);
    if (res.status === 401 && token === undefined)
      window.dispatchEvent(new CustomEvent("hookline:unauthorized", { detail: error }));
    throw error;
  }
  return data;
}
