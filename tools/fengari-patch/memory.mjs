/**
 * fengari edits for the memory meter (`lua.hookline_meter`): strings, `..`, buffer growth,
 * table entries, closures, and the lower Lua stack limit. See tools/patch-fengari.mjs.
 */
import { MARK } from "./mark.mjs";

/** @type {{ file: string; find: string; replace: string }[]} */
export const MEMORY_EDITS = [
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
    // Ends at the charge line: speed.mjs edits the line after it.
    find: "const add = function(t, hash, key, value) {\n",
    replace: `const add = function(t, hash, key, value) {
    luaS_charge(null, hookline_meter.object_cost);  /* ${MARK} */
`,
  },
  {
    file: "src/lvm.js",
    find: "    let ncl = new lobject.LClosure(L, nup);",
    replace: `    luaS_charge(L, hookline_meter.object_cost);  /* ${MARK} */
    let ncl = new lobject.LClosure(L, nup);`,
  },
];
