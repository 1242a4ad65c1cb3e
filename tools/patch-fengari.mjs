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
 * LUAI_MAXSTACK drops from 1,000,000 to 200,000 slots (deep recursion and huge `table.unpack`
 * stay within a few MB; fengari's stack slots are JS objects, ~3x a C Lua slot).
 *
 * Each edit checks that fengari's original text is present exactly once before replacing it;
 * an edit that is already applied is skipped. Exits 1 if fengari is not the text it expects.
 * Usage: node tools/patch-fengari.mjs [--check]   (--check: report only, exit 1 if unpatched)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const MARK = "hookline-patch";
const require = createRequire(import.meta.url);
const root = dirname(require.resolve("fengari/package.json"));
const checkOnly = process.argv.includes("--check");

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
