// Stand-ins for the Node-only modules fengari requires at load (`readline-sync` for
// debug.debug, `tmp` for os.tmpname). Neither library is reachable from a Hookline script:
// the sandbox exposes no `debug` and no `os.tmpname`. Aliased in wrangler.toml and vitest.config.ts.
export function setDefaultOptions() {}
export function question() {
  throw new Error("readline-sync is not available in a Worker");
}
export function tmpNameSync() {
  throw new Error("tmp is not available in a Worker");
}
export default { setDefaultOptions, question, tmpNameSync };
