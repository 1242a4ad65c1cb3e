/**
 * fengari edits for scripts run as Lua threads (lua_resume): see tools/patch-fengari.mjs.
 */
import { MARK } from "./mark.mjs";

/** @type {{ file: string; find: string; replace: string }[]} */
export const THREAD_EDITS = [
  {
    // lua_pcallk inside a coroutine saves 'allowhook' for error recovery. fengari's port of
    // C's setoah() can clear the saved bit but never set it, so after a pcall caught an error
    // raised by a hook (the instruction budget), recover() restored allowhook = 0 and the
    // count hook never fired again: `while true do pcall(f) end` ran forever in a thread.
    file: "src/lapi.js",
    find: "        ci.callstatus &= ~lstate.CIST_OAH | L.allowhook;",
    replace: `        ci.callstatus = (ci.callstatus & ~lstate.CIST_OAH) | (L.allowhook ? lstate.CIST_OAH : 0);  /* ${MARK}: setoah */`,
  },
];
