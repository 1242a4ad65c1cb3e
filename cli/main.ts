/**
 * `hookline <command>`: scripts as code. pull / plan / push talk to a server (HOOKLINE_URL,
 * HOOKLINE_TOKEN or --url/--token); test / run need none. Exit codes: 0 ok, 1 error (or a failed
 * test case), 2 `plan` found changes. Errors are one line on stderr.
 */
import { readFileSync } from "node:fs";
import { ScriptEngine } from "../src/engine";
import { parseArgs } from "./args";
import { HooklineApi, type ServerOptions } from "./api";
import { CliError, EXIT } from "./errors";
import { caseFiles, type HttpStubs, HttpStubsSchema, presentRun, runCase, runOnce } from "./offline";
import { applyBody, computePlan, secretGaps } from "./plan";
import { renderPlan, renderSecretGaps, summarize } from "./render";
import { readTree, writeTree } from "./tree";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Used for every request to the server (tests wrap it). */
  fetch?: typeof fetch;
}

const SERVER_FLAGS = "  --url <url>      the Hookline server (default: $HOOKLINE_URL)\n  --token <token>  an admin token (default: $HOOKLINE_TOKEN)\n";

interface Command {
  usage: string;
  help: string;
  valued: string[];
  booleans: string[];
  run(positionals: string[], flags: Record<string, string | true>, io: Io): Promise<number>;
}

function server(flags: Record<string, string | true>, io: Io): HooklineApi {
  const opts: ServerOptions = { fetch: io.fetch };
  if (typeof flags.url === "string") opts.url = flags.url;
  if (typeof flags.token === "string") opts.token = flags.token;
  return new HooklineApi(opts, io.env);
}

function readStubs(file: string): HttpStubs {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError(`--http ${file}: ${(err as Error).message}`);
  }
  const parsed = HttpStubsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`--http ${file}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data as HttpStubs;
}

function want(positionals: string[], n: number, usage: string): string[] {
  if (positionals.length !== n) throw new CliError(`expected ${n} argument${n > 1 ? "s" : ""}: hookline ${usage}`);
  return positionals;
}

/** Reads `<dir>`, plans it against the server's live scripts and prints the plan (plan and push). */
async function showPlan(positionals: string[], flags: Record<string, string | true>, io: Io, usage: string) {
  const [dir] = want(positionals, 1, usage) as [string];
  const tree = readTree(dir);
  const api = server(flags, io);
  const listed = await api.listScripts();
  // secret names cost one request per script: asked only when the manifest lists some
  const live = tree.scripts.some((s) => s.secrets !== undefined) ? await api.withSecretNames(listed) : listed;
  const items = computePlan(tree, live);
  io.out(renderPlan(items, api.url));
  io.out(renderSecretGaps(secretGaps(tree, live)));
  return { api, items };
}

const COMMANDS: Record<string, Command> = {
  pull: {
    usage: "pull <dir> [--force]",
    help: `Writes the live (enabled) scripts of every trigger as <dir>/<trigger>/<layer>-<parallel>-<slug>.lua\nplus <dir>/manifest.json (ids, slots, settings, secret names: never values).\n  --force          overwrite a tree pulled before (the triggers' .lua files; tests/ stay)\n${SERVER_FLAGS}`,
    valued: ["url", "token"],
    booleans: ["force"],
    async run(pos, flags, io) {
      const [dir] = want(pos, 1, this.usage) as [string];
      const api = server(flags, io);
      const live = await api.withSecretNames((await api.listScripts()).filter((s) => s.enabled));
      const files = writeTree(dir, live, flags.force === true);
      io.out(`pulled ${files.length - 1} scripts from ${api.url} into ${dir}\n`);
      return EXIT.ok;
    },
  },
  plan: {
    usage: "plan <dir>",
    help: `Shows what push would change: created, updated (with a unified diff of the source),\nmoved, disabled scripts and changed settings. Exit 2 when there are changes, 0 when none, 1 on error.\n${SERVER_FLAGS}`,
    valued: ["url", "token"],
    booleans: [],
    async run(pos, flags, io) {
      const { items } = await showPlan(pos, flags, io, this.usage);
      return items.length ? EXIT.changes : EXIT.ok;
    },
  },
  push: {
    usage: "push <dir>",
    help: `Applies the plan all or nothing: one request, one database transaction. Each changed script\ncarries the version it was planned against; if anyone changed one in between, nothing is applied\n(HTTP 409) and push exits 1. Prints the new versions.\n${SERVER_FLAGS}`,
    valued: ["url", "token"],
    booleans: [],
    async run(pos, flags, io) {
      const { api, items } = await showPlan(pos, flags, io, this.usage);
      if (!items.length) return EXIT.ok;
      const applied = await api.apply(applyBody(items));
      for (const a of applied) {
        const from = a.previous_version === null ? "new" : `v${a.previous_version}`;
        const state = a.enabled ? "" : " (disabled)";
        io.out(`  ${a.action} ${a.trigger_event} ${a.name} ${a.id}: ${from} → v${a.current_version}${state}\n`);
      }
      io.out(`Applied: ${summarize(items)}.\n`);
      return EXIT.ok;
    },
  },
  test: {
    usage: "test <dir>",
    help: "Runs every case <dir>/<trigger>/tests/*.json offline with the real engine (no server, no database):\n{ context, expect: { decision, blocked_by?, data? (subset) }, http?: { <url>: { status, json } } }.\nOne line per case and a summary; exit 1 when a case fails.\n",
    valued: [],
    booleans: [],
    async run(pos, _flags, io) {
      const [dir] = want(pos, 1, this.usage) as [string];
      const tree = readTree(dir);
      const files = caseFiles(tree);
      if (!files.length) throw new CliError(`no test cases in ${dir}/<trigger>/tests/*.json`);
      const engine = new ScriptEngine();
      let failed = 0;
      for (const file of files) {
        const r = await runCase(engine, tree, file);
        if (!r.ok) failed++;
        io.out(r.ok ? `ok    ${file}\n` : `FAIL  ${file}: ${r.problems.join("; ")}\n`);
      }
      io.out(`${files.length - failed} passed, ${failed} failed\n`);
      return failed ? EXIT.error : EXIT.ok;
    },
  },
  run: {
    usage: "run <dir> <trigger> <context.json> [--http <stubs.json>]",
    help: 'Runs the trigger\'s scripts of <dir> once, offline, on the context in <context.json>\n("-" reads stdin), and prints the answer with its spans as JSON (the dry run\'s shape).\n  --http <file>    answers for http.fetch: { "<url>": { "status": 200, "json": {…} } } (default: none;\n                   an unlisted URL fails as a network error)\n',
    valued: ["http"],
    booleans: [],
    async run(pos, flags, io) {
      const [dir, trigger, file] = want(pos, 3, this.usage) as [string, string, string];
      const tree = readTree(dir);
      if (!tree.triggers.includes(trigger)) throw new CliError(`${dir} has no scripts for trigger ${trigger}`);
      let context: unknown;
      try {
        context = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
      } catch (err) {
        throw new CliError(`${file}: ${(err as Error).message}`);
      }
      if (context === null || typeof context !== "object" || Array.isArray(context)) {
        throw new CliError(`${file}: the context must be a JSON object`);
      }
      const stubs = typeof flags.http === "string" ? readStubs(flags.http) : {};
      const run = await runOnce(new ScriptEngine(), tree, trigger, context as never, stubs);
      io.out(`${JSON.stringify(presentRun(run), null, 2)}\n`);
      return EXIT.ok;
    },
  },
};

const OVERVIEW = `hookline: Hookline scripts as code

Usage: hookline <command> [options]   (hookline <command> --help for more)

${Object.values(COMMANDS)
  .map((c) => `  hookline ${c.usage}`)
  .join("\n")}

pull, plan and push talk to the server at $HOOKLINE_URL with $HOOKLINE_TOKEN (or --url/--token);
test and run need no server. Exit codes: 0 ok, 1 error or failed case, 2 plan has changes.
`;

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(OVERVIEW);
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`hookline: unknown command ${name} (try hookline --help)\n`);
    return EXIT.error;
  }
  try {
    const { positionals, flags } = parseArgs(rest, command.valued, [...command.booleans, "help"]);
    if (flags.help) {
      io.out(`Usage: hookline ${command.usage}\n\n${command.help}`);
      return EXIT.ok;
    }
    return await command.run(positionals, flags, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`hookline ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`hookline ${name}: unexpected error: ${(err as Error)?.stack ?? err}\n`);
    return EXIT.error;
  }
}

function defaultIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
  };
}
