/**
 * The console (`/console/`): static files from `public/console/` (Workers static assets), served
 * through the worker (`run_worker_first = true` in wrangler.toml) so every answer carries one strict
 * Content-Security-Policy: scripts and styles from this origin only, no inline code, no eval,
 * connections only back to this origin, no framing. The files hold no data; every API call the
 * console makes needs a token, as any other caller's would.
 */
import { ApiError } from "../errors";
import type { App } from "../types";

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** Registers `/console` (redirect) and `/console/*` (the static files with the headers above). */
export function registerConsole(app: App): void {
  app.get("/console", (c) => c.redirect("/console/", 308));
  app.get("/console/*", async (c) => {
    const assets = (c.env as { ASSETS?: Fetcher }).ASSETS;
    if (!assets) throw new ApiError("NOT_CONFIGURED", "The console's static assets are not bound (ASSETS)");
    const res = await assets.fetch(c.req.raw);
    const out = new Response(res.body, res);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) out.headers.set(k, v);
    return out;
  });
}
