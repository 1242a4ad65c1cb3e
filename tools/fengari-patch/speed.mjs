/**
 * fengari edits for speed, behaviour unchanged: see tools/patch-fengari.mjs.
 */
import { MARK } from "./mark.mjs";

/** @type {{ file: string; find: string; replace: string }[]} */
export const SPEED_EDITS = [
  {
    // Every new table entry cleared the table's map of dead keys, empty or not, and V8's
    // Map#clear allocates a fresh backing store even for an empty map: ~60 ns per entry added.
    file: "src/ltable.js",
    find: "    t.dead_strong.clear();\n",
    replace: `    if (t.dead_strong.size !== 0) t.dead_strong.clear();  /* ${MARK}: no clear of an empty map */\n`,
  },
];
