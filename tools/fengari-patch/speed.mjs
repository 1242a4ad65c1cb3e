/**
 * fengari edits for speed, behaviour unchanged: see tools/patch-fengari.mjs.
 */
import { MARK } from "./mark.mjs";

/**
 * Pops of the Lua stack: fengari clears a popped slot with `delete L.stack[i]`, a generic
 * property deletion V8 runs out of line (~75 ns; an assignment is ~10 ns), on every pop of the
 * API and every call's return. A slot past the top reads as undefined either way (nothing in
 * fengari tells a hole from undefined), so each becomes `L.stack[i] = void 0`.
 * @param {string} file
 * @param {number} count the matches in fengari 0.1.5's file
 */
const noDelete = (file, count) => ({
  file,
  pattern: /delete ((?:L|from)\.stack\[[^\]]+\]);/g,
  replace: `$1 = void 0; /* ${MARK}: pop */`,
  marker: `= void 0; /* ${MARK}: pop */`,
  count,
});

/** @type {({ file: string; find: string; replace: string } | ReturnType<typeof noDelete>)[]} */
export const SPEED_EDITS = [
  noDelete("src/lapi.js", 18),
  noDelete("src/ldo.js", 5),
  noDelete("src/lvm.js", 3),
  noDelete("src/ltm.js", 1),
  noDelete("src/ldebug.js", 1),
  // Every table made a second Map for its dead keys, used only once a key is deleted from it:
  // tables start with one shared empty map instead, and the first deletion gives them their own.
  // (add() clears the map only when it is not empty, so the shared one is never written.)
  {
    file: "src/ltable.js",
    find: "class Table {\n",
    replace: `const NO_DEAD_KEYS = new Map();  /* ${MARK}: shared, never written */\nclass Table {\n`,
  },
  {
    file: "src/ltable.js",
    find: "        this.dead_strong = new Map();\n",
    replace: `        this.dead_strong = NO_DEAD_KEYS;  /* ${MARK}: own map on first deletion */\n`,
  },
  {
    file: "src/ltable.js",
    find: "            t.dead_strong.set(hash, e);\n",
    replace: `            if (t.dead_strong === NO_DEAD_KEYS) t.dead_strong = new Map();  /* ${MARK} */\n            t.dead_strong.set(hash, e);\n`,
  },
  {
    // Every new table entry cleared the table's map of dead keys, empty or not, and V8's
    // Map#clear allocates a fresh backing store even for an empty map: ~60 ns per entry added.
    file: "src/ltable.js",
    find: "    t.dead_strong.clear();\n",
    replace: `    if (t.dead_strong.size !== 0) t.dead_strong.clear();  /* ${MARK}: no clear of an empty map */\n`,
  },
  {
    // luaS_new copied its bytes with Uint8Array.from, which walks the iterator protocol
    // (~200 ns for a short string); the Uint8Array constructor copies the same bytes (~50 ns).
    file: "src/lstring.js",
    find: "    return luaS_bless(L, luastring_from(str));\n",
    replace: `    return luaS_bless(L, str instanceof Uint8Array ? new Uint8Array(str) : luastring_from(str));  /* ${MARK}: typed copy */\n`,
  },
  {
    // to_luastring built a JS array of bytes and then copied it into a Uint8Array: a string of
    // ASCII characters only (contexts, keys, most script text) is written straight into one.
    // Any other character falls back to the original encoder, byte for byte the same output.
    file: "src/defs.js",
    find: "    let len = str.length;\n    let outU8Array = Array(len); /* array is at *least* going to be length of string */\n",
    replace: `    let len = str.length;
    ascii: {  /* ${MARK}: ASCII fast path */
        let ascii = new Uint8Array(len);
        for (let i = 0; i < len; ++i) {
            let u = str.charCodeAt(i);
            if (u > 0x7F) break ascii;
            ascii[i] = u;
        }
        if (cache) to_luastring_cache[str] = ascii;
        return ascii;
    }
    let outU8Array = Array(len); /* array is at *least* going to be length of string */
`,
  },
];
