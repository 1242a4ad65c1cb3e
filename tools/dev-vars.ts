/**
 * Reads `.dev.vars` (KEY=VALUE lines, `#` comments, optional quotes) so `npm start` and the
 * benchmark can pass the same settings to `wrangler dev`.
 */
import { existsSync, readFileSync } from "node:fs";

/** Parses a .dev.vars file; a missing file is an empty map. */
export function readDevVars(path = ".dev.vars"): Record<string, string> {
  if (!existsSync(path)) return {};
  const vars: Record<string, string> = {};
  for (const raw of readFileSync(path, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const value = line
      .slice(eq + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, "$2");
    vars[line.slice(0, eq).trim()] = value;
  }
  return vars;
}
