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
 * Other work that is linear inside one instruction without allocating (string compare and hash,
 * utf8, tonumber, many results, table library loops) is charged to `steps` too.
 * Scripts run as Lua threads; threads.mjs fixes fengari's save of 'allowhook' in a yieldable
 * pcall (else a caught budget error turned the count hook off for good). speed.mjs removes a
 * cost fengari pays on every new table entry (behaviour unchanged).
 * The edits themselves live in tools/fengari-patch/ (memory.mjs, patterns.mjs, linear.mjs,
 * threads.mjs, speed.mjs).
 *
 * Each edit checks that fengari's original text is present exactly once before replacing it
 * (a pattern edit: that its pattern matches exactly `count` times); an edit that is already
 * applied is skipped. Exits 1 if fengari is not the text it expects.
 * Usage: node tools/patch-fengari.mjs [--check] [--dir <fengari dir>]
 *   --check: report only, exit 1 if unpatched; --dir: patch that copy of fengari instead of the
 *   one node_modules resolves (e.g. a pristine `npm pack fengari@0.1.5`, to test the patch).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { LINEAR_EDITS } from "./fengari-patch/linear.mjs";
import { MEMORY_EDITS } from "./fengari-patch/memory.mjs";
import { PATTERN_EDITS } from "./fengari-patch/patterns.mjs";
import { SPEED_EDITS } from "./fengari-patch/speed.mjs";
import { THREAD_EDITS } from "./fengari-patch/threads.mjs";

const require = createRequire(import.meta.url);
const checkOnly = process.argv.includes("--check");
const dirArg = process.argv.indexOf("--dir");
const root =
  dirArg >= 0 ? resolve(process.argv[dirArg + 1] ?? ".") : dirname(require.resolve("fengari/package.json"));

const EDITS = [...MEMORY_EDITS, ...PATTERN_EDITS, ...LINEAR_EDITS, ...THREAD_EDITS, ...SPEED_EDITS];

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
    if (edit.pattern) {
      // A pattern edit rewrites every match (exactly `count` of them); applied once none is left.
      const found = text.match(edit.pattern)?.length ?? 0;
      if (found === 0 && count(text, edit.marker) === edit.count) {
        already++;
        files.set(path, text);
        continue;
      }
      if (found !== edit.count) {
        console.error(
          `patch-fengari: ${edit.file}: expected ${edit.count} matches of ${edit.pattern}, found ${found}`,
        );
        return 1;
      }
      files.set(path, text.replace(edit.pattern, edit.replace));
      applied++;
      continue;
    }
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
