#!/usr/bin/env node
/**
 * Idempotent install-time patch of fengari 0.1.5 (run as `postinstall`): adds an allocation
 * meter so a Lua script cannot exhaust the isolate's memory, and lowers the Lua stack limit.
 *
 * fengari has no cap on string building: `s = s .. s` reaches 128 MB in ~27 VM instructions,
 * far inside any instruction budget. The meter (`lua.hookline_meter`) is a budget in bytes that
 * the Hookline sandbox sets before each script run and resets to Infinity after it:
 * - every string created (`luaS_bless`) is charged its length;
 * - `..` (luaV_concat) and luaL_Buffer growth (string.rep, table.concat, string.format, gsub,
 *   string.pack) check the size *before* allocating, so a huge request never allocates;
 * - every new table entry and every new Lua closure is charged `object_cost` bytes.
 * Going over raises the catchable Lua error "memory limit exceeded".
 * Pattern matching (string.find/match/gmatch/gsub) runs inside one VM instruction, so the count
 * hook cannot stop a pathological pattern; lstrlib.js charges the matcher's work to a second
 * counter, `lua.hookline_meter.steps` (Infinity = off, set per run like `budget`): one step per
 * iteration of `match` (a pattern item tried at a position), per repetition scanned by `*`/`+`/`-`
 * (max_expand), per byte scanned by `%b`, plus length/16 for long bracket classes, length/8
 * for back-references, and for plain `find` one step per candidate position (+ length/16 compared)
 * and 1/64 per byte skipped by the native indexOf. Going below 0 raises the catchable Lua error
 * "instruction budget exceeded" (the same message as the VM's count hook).
 * LUAI_MAXSTACK drops from 1,000,000 to 200,000 slots (deep recursion and huge `table.unpack`
 * stay within a few MB; fengari's stack slots are JS objects, ~3x a C Lua slot).
 *
 * Each edit checks that fengari's original text is present exactly once before replacing it;
 * an edit that is already applied is skipped. Exits 1 if fengari is not the text it expects.
 * Usage: node tools/patch-fengari.mjs [--check] [--dir <fengari dir>]
 *   --check: report only, exit 1 if unpatched; --dir: patch that copy of fengari instead of the
 *   one node_modules resolves (e.g. a pristine `npm pack fengari@0.1.5`, to test the patch).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const MARK = "hookline-patch";
const require = createRequire(import.meta.url);
const checkOnly = process.argv.includes("--check");
const dirArg = process.argv.indexOf("--dir");
const root =
  dirArg >= 0 ? resolve(process.argv[dirArg + 1] ?? ".") : dirname(require.resolve("fengari/package.json"));

/** @type {{ file: string; find: string; replace: string }[]} */
const EDITS = [
  {
    file: "src/lstring.js",
    find: `const luaS_bless = function(L, str) {
    lua_assert(str instanceof Uint8Array);
    return new TString(L, str);
};`,
    replace: `/* ${MARK}: allocation meter. The embedder sets 'budget' (bytes) and 'L' before running
   untrusted code and resets 'budget' to Infinity after. Strings created, new table entries and
   new closures are charged; going over raises the Lua error "memory limit exceeded". */
const hookline_meter = { budget: Infinity, object_cost: 64, L: null, raising: false };
const hookline_memerror = function(L) {
    L = L || hookline_meter.L;
    hookline_meter.raising = true;  /* the message itself is not charged */
    try {
        require('./ldo.js').luaD_inctop(L);
        L.stack[L.top - 1].setsvalue(new TString(L, to_luastring("memory limit exceeded")));
    } finally {
        hookline_meter.raising = false;
    }
    require('./ldebug.js').luaG_errormsg(L);
};
const luaS_charge = function(L, n) {
    if ((hookline_meter.budget -= n) < 0 && !hookline_meter.raising) hookline_memerror(L);
};
const luaS_checkmem = function(L, n) {
    if (n > hookline_meter.budget && !hookline_meter.raising) hookline_memerror(L);
};

const luaS_bless = function(L, str) {
    lua_assert(str instanceof Uint8Array);
    luaS_charge(L, str.length);  /* ${MARK} */
    return new TString(L, str);
};`,
  },
  {
    file: "src/lstring.js",
    find: "module.exports.TString          = TString;",
    replace: `module.exports.TString          = TString;
module.exports.hookline_meter   = hookline_meter;  /* ${MARK} */
module.exports.luaS_charge      = luaS_charge;
module.exports.luaS_checkmem    = luaS_checkmem;`,
  },
  {
    file: "src/lvm.js",
    find: "const ldebug  = require('./ldebug.js');",
    replace: `const ldebug  = require('./ldebug.js');
const { hookline_meter, luaS_charge, luaS_checkmem } = require('./lstring.js');  /* ${MARK} */`,
  },
  {
    file: "src/lvm.js",
    find: "            let buff = new Uint8Array(tl);",
    replace: `            luaS_checkmem(L, tl);  /* ${MARK} */
            let buff = new Uint8Array(tl);`,
  },
  {
    file: "src/lauxlib.js",
    find: "/* extra error code for 'luaL_loadfilex' */",
    replace: `const hookline_lstring = require('./lstring.js');  /* ${MARK} */

/* extra error code for 'luaL_loadfilex' */`,
  },
  {
    file: "src/lauxlib.js",
    find: `        let newsize = Math.max(B.b.length * 2, newend);  /* double buffer size */
        let newbuff = new Uint8Array(newsize);  /* create larger buffer */`,
    replace: `        let newsize = Math.max(B.b.length * 2, newend);  /* double buffer size */
        hookline_lstring.luaS_checkmem(B.L, newsize);  /* ${MARK} */
        let newbuff = new Uint8Array(newsize);  /* create larger buffer */`,
  },
  {
    file: "src/ltable.js",
    find: "const lstate  = require('./lstate.js');",
    replace: `const lstate  = require('./lstate.js');
const { hookline_meter, luaS_charge } = require('./lstring.js');  /* ${MARK} */`,
  },
  {
    file: "src/ltable.js",
    find: `const add = function(t, hash, key, value) {
    t.dead_strong.clear();`,
    replace: `const add = function(t, hash, key, value) {
    luaS_charge(null, hookline_meter.object_cost);  /* ${MARK} */
    t.dead_strong.clear();`,
  },
  {
    file: "src/lvm.js",
    find: "    let ncl = new lobject.LClosure(L, nup);",
    replace: `    luaS_charge(L, hookline_meter.object_cost);  /* ${MARK} */
    let ncl = new lobject.LClosure(L, nup);`,
  },
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
  {
    file: "src/luaconf.js",
    find: "const LUAI_MAXSTACK = conf.LUAI_MAXSTACK || 1000000;",
    replace: `const LUAI_MAXSTACK = conf.LUAI_MAXSTACK || 200000;  /* ${MARK}: was 1000000 */`,
  },
  {
    file: "src/lua.js",
    find: "module.exports.lua_tocfunction         = lapi.lua_tocfunction;",
    replace: `module.exports.lua_tocfunction         = lapi.lua_tocfunction;
module.exports.hookline_meter          = require("./lstring.js").hookline_meter;  /* ${MARK} */`,
  },
];

const count = (text, part) => text.split(part).length - 1;

function main() {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  if (pkg.version !== "0.1.5") {
    console.error(`patch-fengari: expected fengari 0.1.5, found ${pkg.version}`);
    return 1;
  }
  const files = new Map();
  let applied = 0;
  let already = 0;
  for (const edit of EDITS) {
    const path = join(root, edit.file);
    const text = files.get(path) ?? readFileSync(path, "utf8");
    if (count(text, edit.replace) === 1) {
      already++;
      files.set(path, text);
      continue;
    }
    if (count(text, edit.find) !== 1) {
      console.error(`patch-fengari: ${edit.file}: expected text not found exactly once:\n${edit.find}`);
      return 1;
    }
    files.set(
      path,
      text.replace(edit.find, () => edit.replace),
    );
    applied++;
  }
  if (checkOnly) {
    console.log(`patch-fengari: ${already}/${EDITS.length} edits present`);
    return already === EDITS.length ? 0 : 1;
  }
  if (applied > 0) for (const [path, text] of files) writeFileSync(path, text);
  console.log(`patch-fengari: ${applied} edits applied, ${already} already present`);
  return 0;
}

process.exit(main());
