/**
 * fengari edits that charge pattern matching (lstrlib.js) to the `steps` budget.
 */
import { MARK } from "./mark.mjs";

/** @type {{ file: string; find: string; replace: string }[]} */
export const PATTERN_EDITS = [
  // Pattern-matching step budget (lstrlib.js): `hookline_meter.steps`, see the header.
  {
    file: "src/lstrlib.js",
    find: "const lualib = require('./lualib.js');",
    replace: `const lualib = require('./lualib.js');
/* ${MARK}: pattern-matching step budget. A match runs inside one VM instruction, so the
   count hook never sees it: every step of the matcher (match loop iteration, repetition,
   %b scan, back-reference byte, long bracket class, plain-search position) is charged to
   'hookline_meter.steps', which the embedder sets before running untrusted code and resets
   to Infinity after. Going below 0 raises the Lua error "instruction budget exceeded". */
const { hookline_meter } = require('./lstring.js');
hookline_meter.steps = Infinity;  /* off until the embedder sets it */
const hookline_lua = require('./lua.js');
const hookline_stepserror = function(L) {
    L = L || hookline_meter.L;
    hookline_meter.raising = true;  /* the message is not charged to the memory meter */
    try {
        hookline_lua.lua_pushliteral(L, "instruction budget exceeded");
    } finally {
        hookline_meter.raising = false;
    }
    hookline_lua.lua_error(L);
};
const hookline_steps = function(L, n) {
    if ((hookline_meter.steps -= n) < 0) hookline_stepserror(L);
};`,
  },
  {
    file: "src/lstrlib.js",
    find: `        case 91 /* '['.charCodeAt(0) */: {
            if (ms.p[p] === 94 /* '^'.charCodeAt(0) */) p++;
            do {  /* look for a ']' */
                if (p === ms.p_end)
                    luaL_error(ms.L, to_luastring("malformed pattern (missing ']')"));
                if (ms.p[p++] === L_ESC && p < ms.p_end)
                    p++;  /* skip escapes (e.g. '%]') */
            } while (ms.p[p] !== 93 /* ']'.charCodeAt(0) */);
            return p + 1;`,
    replace: `        case 91 /* '['.charCodeAt(0) */: {
            let hookline_from = p;  /* ${MARK} */
            if (ms.p[p] === 94 /* '^'.charCodeAt(0) */) p++;
            do {  /* look for a ']' */
                if (p === ms.p_end)
                    luaL_error(ms.L, to_luastring("malformed pattern (missing ']')"));
                if (ms.p[p++] === L_ESC && p < ms.p_end)
                    p++;  /* skip escapes (e.g. '%]') */
            } while (ms.p[p] !== 93 /* ']'.charCodeAt(0) */);
            hookline_steps(ms.L, (p - hookline_from) >> 4);  /* ${MARK}: long classes */
            return p + 1;`,
  },
  {
    file: "src/lstrlib.js",
    find: `const matchbracketclass = function(ms, c, p, ec) {
    let sig = true;`,
    replace: `const matchbracketclass = function(ms, c, p, ec) {
    hookline_steps(ms.L, (ec - p) >> 4);  /* ${MARK}: long classes */
    let sig = true;`,
  },
  {
    file: "src/lstrlib.js",
    find: `        while (++s < ms.src_end) {
            if (ms.src[s] === e) {`,
    replace: `        while (++s < ms.src_end) {
            hookline_steps(ms.L, 1);  /* ${MARK} */
            if (ms.src[s] === e) {`,
  },
  {
    file: "src/lstrlib.js",
    find: `    while (singlematch(ms, s + i, p, ep))
        i++;`,
    replace: `    while (singlematch(ms, s + i, p, ep)) {
        hookline_steps(ms.L, 1);  /* ${MARK} */
        i++;
    }`,
  },
  {
    file: "src/lstrlib.js",
    find: `    let len = ms.capture[l].len;
    if ((ms.src_end-s) >= len && array_cmp(`,
    replace: `    let len = ms.capture[l].len;
    hookline_steps(ms.L, Math.min(len, ms.src_end - s) >> 3);  /* ${MARK}: bytes compared */
    if ((ms.src_end-s) >= len && array_cmp(`,
  },
  {
    file: "src/lstrlib.js",
    find: `    while (gotoinit || gotodefault) {
        gotoinit = false;`,
    replace: `    while (gotoinit || gotodefault) {
        gotoinit = false;
        hookline_steps(ms.L, 1);  /* ${MARK}: one step per pattern item tried */`,
  },
  {
    file: "src/lstrlib.js",
    find: `const nospecials = function(p, l) {
    for (let i=0; i<l; i++) {`,
    replace: `const nospecials = function(p, l) {
    hookline_steps(null, l >> 4);  /* ${MARK} */
    for (let i=0; i<l; i++) {`,
  },
  {
    file: "src/lstrlib.js",
    find: `const find_subarray = function(arr, subarr, from_index) {
    var i = from_index >>> 0,
        sl = subarr.length;

    if (sl === 0)
        return i;

    for (; (i = arr.indexOf(subarr[0], i)) !== -1; i++) {
        if (luastring_eq(arr.subarray(i, i+sl), subarr))
            return i;
    }

    return -1;
};`,
    replace: `const find_subarray = function(arr, subarr, from_index, L) {
    var i = from_index >>> 0,
        sl = subarr.length;

    if (sl === 0)
        return i;

    /* ${MARK}: each candidate position costs a step plus the bytes compared there; the
       bytes skipped by indexOf are charged at 1/64 (it runs natively) */
    let hookline_last = i;
    for (; (i = arr.indexOf(subarr[0], i)) !== -1; i++) {
        hookline_steps(L, 1 + ((i - hookline_last) >> 6) + (arr.length - i >= sl ? sl >> 4 : 0));
        hookline_last = i;
        if (luastring_eq(arr.subarray(i, i+sl), subarr))
            return i;
    }
    hookline_steps(L, (arr.length - hookline_last) >> 6);

    return -1;
};`,
  },
  {
    file: "src/lstrlib.js",
    find: "        let f = find_subarray(s.subarray(init - 1), p, 0);",
    replace: `        let f = find_subarray(s.subarray(init - 1), p, 0, L);  /* ${MARK}: L */`,
  },
];
