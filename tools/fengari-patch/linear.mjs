/**
 * fengari edits that charge linear work done inside one VM instruction (string compare and
 * hash, utf8, tonumber, many results, table library loops) to the `steps` budget.
 */
import { MARK } from "./mark.mjs";

// Step rates for work that is linear inside one VM instruction (see the header): bytes, values
// or elements per step, chosen so that a step costs ~10-150 ns on Node 20 (a VM instruction: 20-120).
const EQ_BYTES = 16; // == on equal-length strings, rawequal (a JS byte loop, ~2 ns/byte)
const CMP_BYTES = 128; // < <= (native JS string compare) and long table keys (Map compare)
const HASH_BYTES = 4; // a string's first use as a table key or in < <= (luaS_hash, once per string)
const NUM_BYTES = 1; // tonumber, arithmetic coercion, string.format("%.Ns") (JS string + regex)
const UTF8_BYTES = 16; // utf8.len, offset, codepoint, codes
const VALUES = 1; // values pushed by string.byte, utf8.codepoint, table.unpack
const COPIES = 1; // values copied by `...`
// table library loops (fengari: 400-900 ns per element): steps per element or comparison
const SHIFT_STEPS = 6; // table.insert / table.remove, per element shifted
const CONCAT_STEPS = 6; // table.concat, per element
const SORT_STEPS = 4; // table.sort, per comparison
const UNPACK_STEPS = 3; // table.unpack, per element

/** @type {{ file: string; find: string; replace: string }[]} */
export const LINEAR_EDITS = [
  // Linear work inside one VM instruction (string compare/hash, utf8, tonumber, many results,
  // table library loops): charged to the same `steps` counter through `luaS_steps` (lstring.js).
  {
    file: "src/lstring.js",
    find: `const luaS_eqlngstr = function(a, b) {
    lua_assert(a instanceof TString);
    lua_assert(b instanceof TString);
    return a == b || luastring_eq(a.realstring, b.realstring);
};`,
    replace: `const luaS_eqlngstr = function(a, b) {
    lua_assert(a instanceof TString);
    lua_assert(b instanceof TString);
    if (a == b) return true;
    /* ${MARK}: comparing equal-length strings is linear: 1 step per ${EQ_BYTES} bytes */
    let hookline_len = a.realstring.length;
    if (hookline_len !== b.realstring.length) return false;
    if (hookline_len >= ${EQ_BYTES}) luaS_steps(null, Math.floor(hookline_len / ${EQ_BYTES}));
    return luastring_eq(a.realstring, b.realstring);
};`,
  },
  {
    file: "src/lstring.js",
    find: `const luaS_hash = function(str) {
    lua_assert(is_luastring(str));
    let len = str.length;
    let s = "|";
    for (let i=0; i<len; i++)
        s += str[i].toString(16);
    return s;
};

const luaS_hashlongstr = function(ts) {
    lua_assert(ts instanceof TString);
    if(ts.hash === null) {
        ts.hash = luaS_hash(ts.getstr());
    }
    return ts.hash;
};`,
    replace: `/* ${MARK}: one UTF-16 unit per byte. The original (unpadded hex per byte) took ~150-300 ns
   and ~60 bytes of JS heap per byte (one cons string per byte: a 16 MB key took 5 s and ~1 GB),
   was not injective ("\\1#" and "\\18\\3" were the same table key) and did not sort like the
   bytes, which l_strcmp assumes. This one is injective, sorts like the bytes and costs ~2-9 ns
   and ~1 byte of heap per byte. */
const luaS_hash = function(str) {
    lua_assert(is_luastring(str));
    let len = str.length;
    let s = "|";
    if (len <= 32) {
        for (let i=0; i<len; i++)
            s += String.fromCharCode(str[i]);
    } else {
        for (let i=0; i<len; i+=4096)
            s += String.fromCharCode.apply(null, str.subarray(i, i + 4096));
    }
    return s;
};

const luaS_hashlongstr = function(ts) {
    lua_assert(ts instanceof TString);
    if(ts.hash === null) {
        let hookline_len = ts.realstring.length;  /* ${MARK}: 1 step per ${HASH_BYTES} bytes hashed */
        if (hookline_len >= ${HASH_BYTES}) luaS_steps(null, Math.floor(hookline_len / ${HASH_BYTES}));
        ts.hash = luaS_hash(ts.getstr());
    }
    return ts.hash;
};`,
  },
  {
    file: "src/lstring.js",
    find: "module.exports.luaS_eqlngstr    = luaS_eqlngstr;",
    replace: `/* ${MARK}: the step meter ('hookline_meter.steps', Infinity = off), shared by the VM and
   the libraries for work that is linear inside one instruction. Going below 0 raises the Lua
   error "instruction budget exceeded"; once below 0 every later charge raises again. */
hookline_meter.steps = Infinity;
const hookline_stepserror = function(L) {
    L = L || hookline_meter.L;
    hookline_meter.raising = true;  /* the message itself is not charged */
    try {
        require('./ldo.js').luaD_inctop(L);
        L.stack[L.top - 1].setsvalue(new TString(L, to_luastring("instruction budget exceeded")));
    } finally {
        hookline_meter.raising = false;
    }
    require('./ldebug.js').luaG_errormsg(L);
};
const luaS_steps = function(L, n) {
    if ((hookline_meter.steps -= n) < 0) hookline_stepserror(L);
};
module.exports.luaS_steps       = luaS_steps;

module.exports.luaS_eqlngstr    = luaS_eqlngstr;`,
  },
  {
    file: "src/lvm.js",
    find: `const {
    luaS_bless,
    luaS_eqlngstr,
    luaS_hashlongstr
} = require('./lstring.js');`,
    replace: `const {
    luaS_bless,
    luaS_eqlngstr,
    luaS_hashlongstr,
    luaS_steps  /* ${MARK} */
} = require('./lstring.js');`,
  },
  {
    file: "src/lvm.js",
    find: `                for (j = 0; j < b && j < n; j++)
                    lobject.setobjs2s(L, ra + j, base - n + j);`,
    replace: `                if (b > 0 && n > 0) luaS_steps(L, Math.min(b, n) * ${COPIES});  /* ${MARK} */
                for (j = 0; j < b && j < n; j++)
                    lobject.setobjs2s(L, ra + j, base - n + j);`,
  },
  {
    file: "src/lvm.js",
    find: `    let l = luaS_hashlongstr(ls);
    let r = luaS_hashlongstr(rs);`,
    replace: `    let l = luaS_hashlongstr(ls);
    let r = luaS_hashlongstr(rs);
    /* ${MARK}: comparing is linear in the common prefix: 1 step per ${CMP_BYTES} bytes */
    let hookline_len = Math.min(l.length, r.length);
    if (hookline_len >= ${CMP_BYTES}) luaS_steps(null, Math.floor(hookline_len / ${CMP_BYTES}));`,
  },
  {
    file: "src/ltable.js",
    find: `        case LUA_TSHRSTR:
        case LUA_TLNGSTR:
            return luaS_hashlongstr(key.tsvalue());`,
    replace: `        case LUA_TSHRSTR:
        case LUA_TLNGSTR: {
            /* ${MARK}: the Map compares a long key with an equal stored key byte by byte */
            let hookline_ts = key.tsvalue();
            if (hookline_ts.realstring.length >= ${CMP_BYTES})
                luaS_steps(L, Math.floor(hookline_ts.realstring.length / ${CMP_BYTES}));
            return luaS_hashlongstr(hookline_ts);
        }`,
  },
  {
    file: "src/ltable.js",
    find: `const {
    luaS_hashlongstr,
    TString
} = require('./lstring.js');`,
    replace: `const {
    luaS_hashlongstr,
    luaS_steps,  /* ${MARK} */
    TString
} = require('./lstring.js');`,
  },
  {
    file: "src/lobject.js",
    find: `const luaO_str2num = function(s, o) {
    let s2i = l_str2int(s);`,
    replace: `const luaO_str2num = function(s, o) {
    /* ${MARK}: tonumber and arithmetic coercion scan the string (up to 3 times, plus a JS string
       and a regex): 1 step per ${NUM_BYTES} bytes */
    if (s.length >= ${NUM_BYTES}) require('./lstring.js').luaS_steps(null, Math.floor(s.length / ${NUM_BYTES}));
    let s2i = l_str2int(s);`,
  },
  {
    file: "src/lbaselib.js",
    find: `const b_str2int = function(s, base) {
    try {`,
    replace: `const b_str2int = function(s, base) {
    /* ${MARK}: tonumber(s, base) converts and scans the whole string */
    if (s.length >= ${NUM_BYTES}) require('./lstring.js').luaS_steps(null, Math.floor(s.length / ${NUM_BYTES}));
    try {`,
  },
  {
    file: "src/lutf8lib.js",
    find: `const MAXUNICODE = 0x10FFFF;`,
    replace: `const MAXUNICODE = 0x10FFFF;
/* ${MARK}: utf8 scans charged to the step meter: 1 step per ${UTF8_BYTES} bytes scanned */
const { luaS_steps: hookline_steps } = require('./lstring.js');
const hookline_scan = function(L, bytes) {
    if (bytes >= ${UTF8_BYTES}) hookline_steps(L, Math.floor(bytes / ${UTF8_BYTES}));
};`,
  },
  {
    file: "src/lutf8lib.js",
    find: `    luaL_argcheck(L, --posj < len, 3, "final position out of string");
`,
    replace: `    luaL_argcheck(L, --posj < len, 3, "final position out of string");
    hookline_scan(L, posj - posi + 1);  /* ${MARK}: the whole range, before scanning */
`,
  },
  {
    file: "src/lutf8lib.js",
    find: `    if (n === 0)  /* did it find given character? */
        lua_pushinteger(L, posi + 1);`,
    replace: `    hookline_scan(L, Math.abs(posi - hookline_from));  /* ${MARK}: bytes moved, after moving */
    if (n === 0)  /* did it find given character? */
        lua_pushinteger(L, posi + 1);`,
  },
  {
    file: "src/lutf8lib.js",
    find: `    luaL_argcheck(L, 1 <= posi && --posi <= s.length, 3, "position out of range");
`,
    replace: `    luaL_argcheck(L, 1 <= posi && --posi <= s.length, 3, "position out of range");
    let hookline_from = posi;  /* ${MARK} */
    hookline_steps(L, 0);  /* ${MARK}: the charge comes after the scan: raise now if exhausted */
`,
  },
  {
    file: "src/lutf8lib.js",
    find: `    let n = (pose - posi) + 1;
    luaL_checkstack(L, n, "string slice too long");
    n = 0;`,
    replace: `    let n = (pose - posi) + 1;
    luaL_checkstack(L, n, "string slice too long");
    hookline_steps(L, Math.floor(n / ${VALUES}));  /* ${MARK}: up to n values pushed */
    hookline_scan(L, n);
    n = 0;`,
  },
  {
    file: "src/lutf8lib.js",
    find: `        n++;  /* skip current byte */
        while (iscont(s[n])) n++;  /* and its continuations */`,
    replace: `        n++;  /* skip current byte */
        hookline_steps(L, 0);  /* ${MARK}: the charge comes after the scan: raise now if exhausted */
        let hookline_from = n;  /* ${MARK} */
        while (iscont(s[n])) n++;  /* and its continuations */
        hookline_scan(L, n - hookline_from);  /* ${MARK}: continuation bytes skipped */`,
  },
  {
    file: "src/lstrlib.js",
    find: `    let n = (pose - posi) + 1;
    luaL_checkstack(L, n, "string slice too long");
    for (let i = 0; i < n; i++)`,
    replace: `    let n = (pose - posi) + 1;
    luaL_checkstack(L, n, "string slice too long");
    hookline_steps(L, Math.floor(n / ${VALUES}));  /* ${MARK}: n values pushed */
    for (let i = 0; i < n; i++)`,
  },
  {
    file: "src/lstrlib.js",
    find: `                        luaL_argcheck(L, s.length === strlen(s), arg, "string contains zeros");`,
    replace: `                        hookline_steps(L, Math.floor(s.length / ${NUM_BYTES}));  /* ${MARK}: strlen, to_jsstring, sprintf */
                        luaL_argcheck(L, s.length === strlen(s), arg, "string contains zeros");`,
  },
  {
    file: "src/lstrlib.js",
    find: `const getoption = function(h, fmt) {
    let r = {`,
    replace: `const getoption = function(h, fmt) {
    hookline_steps(h.L, 1);  /* ${MARK}: 1 step per pack/unpack/packsize option */
    let r = {`,
  },
  {
    file: "src/ltablib.js",
    find: `const { to_luastring } = require("./fengaricore.js");`,
    replace: `const { to_luastring } = require("./fengaricore.js");
/* ${MARK}: element loops charged to the step meter: ${SHIFT_STEPS} steps per element shifted by
   insert and remove, ${CONCAT_STEPS} per element concatenated, ${UNPACK_STEPS} per element unpacked,
   ${SORT_STEPS} per comparison made by sort */
const { luaS_steps: hookline_steps } = require('./lstring.js');`,
  },
  {
    file: "src/ltablib.js",
    find: `const addfield = function(L, b, i) {
    lua_geti(L, 1, i);`,
    replace: `const addfield = function(L, b, i) {
    hookline_steps(L, ${CONCAT_STEPS});  /* ${MARK} */
    lua_geti(L, 1, i);`,
  },
  {
    file: "src/ltablib.js",
    find: `            luaL_argcheck(L, 1 <= pos && pos <= e, 2, "position out of bounds");
            for (let i = e; i > pos; i--) {  /* move up elements */`,
    replace: `            luaL_argcheck(L, 1 <= pos && pos <= e, 2, "position out of bounds");
            hookline_steps(L, (e - pos) * ${SHIFT_STEPS});  /* ${MARK} */
            for (let i = e; i > pos; i--) {  /* move up elements */`,
  },
  {
    file: "src/ltablib.js",
    find: `    lua_geti(L, 1, pos);  /* result = t[pos] */
    for (; pos < size; pos++) {`,
    replace: `    lua_geti(L, 1, pos);  /* result = t[pos] */
    if (size > pos) hookline_steps(L, (size - pos) * ${SHIFT_STEPS});  /* ${MARK} */
    for (; pos < size; pos++) {`,
  },
  {
    file: "src/ltablib.js",
    find: `        return luaL_error(L, to_luastring("too many results to unpack"));
    for (; i < e; i++)  /* push arg[i..e - 1] (to avoid overflows) */`,
    replace: `        return luaL_error(L, to_luastring("too many results to unpack"));
    hookline_steps(L, n * ${UNPACK_STEPS});  /* ${MARK} */
    for (; i < e; i++)  /* push arg[i..e - 1] (to avoid overflows) */`,
  },
  {
    file: "src/ltablib.js",
    find: `const sort_comp = function(L, a, b) {
    if (lua_isnil(L, 2))  /* no function? */`,
    replace: `const sort_comp = function(L, a, b) {
    hookline_steps(L, ${SORT_STEPS});  /* ${MARK} */
    if (lua_isnil(L, 2))  /* no function? */`,
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
