/**
 * `NODE_OPTIONS=--experimental-websocket npx tsx bench/profile-path.ts [rounds] [block] [profileCalls]`:
 * where the trigger's time goes inside workerd (issue 11 point 5). Not a bench row: a probe.
 *
 * 1. A/B in one run, 1 client, blocks of `block` sequential calls rotating over five variants:
 *    the floor; the example trigger with tracing on / off (`TRACING=off` worker); an event with no
 *    scripts, tracing on / off. The differences split the gap into engine, trace write and the
 *    rest of the path.
 * 2. A CPU profile of the tracing-on worker (DevTools inspector) over `profileCalls` sequential
 *    example calls, summarised by module and function; the .cpuprofile is written to $TMPDIR.
 */
import { writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { readSampleContexts } from "../tools/seed";
import { freePort, startWranglerDev, type WranglerDev } from "../tools/wrangler-dev";
import { timedTrigger } from "./client";
import { profileWhile, summarizeProfile } from "./cpu-profile";
import { groupCpuByCommand, groupCpuMs } from "./proc-cpu";
import { type Stack, startStack } from "./stack";
import { fmt, summarize } from "./stats";

const [rounds = 8, block = 50, profileCalls = 600] = process.argv.slice(2).map(Number);

let stack: Stack | undefined;
const extra: WranglerDev[] = [];
let killNow: (() => void) | undefined;
process.on("exit", () => {
  killNow?.();
  for (const w of extra) {
    try {
      if (w.child.pid) process.kill(-w.child.pid, "SIGKILL");
    } catch {}
  }
});
process.on("SIGINT", () => {
  if (stack) void stack.stop().finally(() => process.exit(130));
});

try {
  stack = await startStack((k) => {
    killNow = k;
  });
  const { allowed, blocked } = readSampleContexts();
  const contexts = [allowed, blocked];
  // PROBE_BEFORE=<dir>: also a tracing-on worker built from another checkout (e.g. a worktree of
  // main), same database, so before and after run side by side under the same load; with
  // PROBE_BEFORE_VARS='{"TRACE_FLUSH_MS":"25"}' (JSON) started with those vars too.
  const beforeDir = process.env.PROBE_BEFORE;
  const before = beforeDir
    ? await startWranglerDev({
        port: await freePort(),
        cwd: beforeDir,
        vars: { ...stack.baseVars, ...JSON.parse(process.env.PROBE_BEFORE_VARS ?? "{}") },
        stdio: "ignore",
      })
    : undefined;
  if (before) extra.push(before);
  const variants: [string, WranglerDev, string][] = [
    ...(before
      ? [["BEFORE example, tracing on", before, "before_signin"] as [string, WranglerDev, string]]
      : []),
    ["floor", stack.floor, "before_signin"],
    ["example, tracing on", stack.on, "before_signin"],
    ["example, tracing off", stack.off, "before_signin"],
    ["no scripts, tracing on", stack.on, "bench_empty"],
    ["no scripts, tracing off", stack.off, "bench_empty"],
  ];
  // PROBE_ONLY=floor,example (name prefixes): only those variants (and BEFORE, if started).
  const only = process.env.PROBE_ONLY?.split(",");
  if (only) {
    const keep = variants.filter(([n]) => n.startsWith("BEFORE") || only.some((o) => n.startsWith(o)));
    variants.splice(0, variants.length, ...keep);
  }
  for (let i = 0; i < 50; i++)
    for (const [, w, event] of variants) await timedTrigger(w.url, contexts[i % 2], event);
  const load0 = loadavg()[0] as number;
  const times = variants.map(() => [] as number[]);
  // CPU ms of the called worker's process group, the database server's, and this client's.
  const cpu = variants.map(() => ({ workerd: 0, wrangler: 0, db: 0, client: 0 }));
  const perPid = variants.map(() => new Map<string, number>());
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = (k + r) % variants.length;
      const [, w, event] = variants[v] as [string, WranglerDev, string];
      const pg = w.child.pid ?? 0;
      const [w0, d0, c0] = [groupCpuByCommand(pg, true), groupCpuMs(stack.dbPgid), process.cpuUsage()];
      for (let i = 0; i < block; i++) times[v]?.push((await timedTrigger(w.url, contexts[i % 2], event)).ms);
      // the writer's flush of the block's last calls lands after it: let it finish inside the reading
      await new Promise((res) => setTimeout(res, 100));
      const c1 = process.cpuUsage(c0);
      const acc = cpu[v] as { workerd: number; wrangler: number; db: number; client: number };
      const w1 = groupCpuByCommand(pg, true);
      for (const key of Object.keys(w1)) {
        const d = (w1[key] ?? 0) - (w0[key] ?? 0);
        if (key.startsWith("workerd:")) acc.workerd += d;
        else acc.wrangler += d;
        perPid[v]?.set(key, (perPid[v]?.get(key) ?? 0) + d);
      }
      acc.db += groupCpuMs(stack.dbPgid) - d0;
      acc.client += (c1.user + c1.system) / 1000;
    }
  }
  const load1 = loadavg()[0] as number;
  const floorP50 = summarize(times[variants.findIndex(([n]) => n === "floor")] ?? []).p50;
  console.log(
    `\nA/B: ${rounds} rounds × ${block} calls per variant, load ${fmt(load0, 1)} → ${fmt(load1, 1)}`,
  );
  console.log(
    "| variant | calls | p50 ms | p95 ms | mean ms | p50 − floor | CPU ms/call: workerd | wrangler (node) | database | client |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  variants.forEach(([name], v) => {
    const s = summarize(times[v] ?? []);
    const c = cpu[v] as { workerd: number; wrangler: number; db: number; client: number };
    const per = (x: number) => fmt(x / Math.max(1, s.n));
    console.log(
      `| ${name} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.mean)} | ${fmt(s.p50 - floorP50)} | ${per(c.workerd)} | ${per(c.wrangler)} | ${per(c.db)} | ${per(c.client)} |`,
    );
  });

  console.log("\nCPU ms/call by process of each worker's group:");
  variants.forEach(([name], v) => {
    const n = times[v]?.length || 1;
    const parts = [...(perPid[v] ?? [])].map(([k, ms]) => `${k} ${fmt(ms / n)}`);
    console.log(`  ${name}: ${parts.join(", ")}`);
  });

  if (profileCalls > 0) {
    // PROBE_PROFILE_WORKER=floor profiles the floor worker instead (for comparison);
    // PROBE_PROFILE_VARS='{"LOG_LEVEL":"warn"}' a worker of this tree started with those vars.
    const vars = process.env.PROBE_PROFILE_VARS;
    const own = vars
      ? await startWranglerDev({
          port: await freePort(),
          vars: { ...stack.baseVars, ...JSON.parse(vars) },
          stdio: "ignore",
        })
      : undefined;
    if (own) extra.push(own);
    const on = own ?? (process.env.PROBE_PROFILE_WORKER === "floor" ? stack.floor : stack.on);
    for (let i = 0; i < 100; i++) await timedTrigger(on.url, contexts[i % 2]);
    // PROBE_PROFILE_EVENT: the event profiled (default the example); PROBE_INTERVAL_US: sampling.
    const profiled = process.env.PROBE_PROFILE_EVENT ?? "before_signin";
    const interval = Number(process.env.PROBE_INTERVAL_US ?? 1000);
    const { profile, sources } = await profileWhile(
      on.inspectorPort,
      async () => {
        for (let i = 0; i < profileCalls; i++) await timedTrigger(on.url, contexts[i % 2], profiled);
      },
      interval,
    );
    const file = join(tmpdir(), `hookline-trigger-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    for (const [id, src] of sources) writeFileSync(`${file}.${id}.js`, src);
    const s = summarizeProfile(profile, sources);
    const busy = s.totalMs - (s.byModule.find(([m]) => m === "(idle)")?.[1] ?? 0);
    const per = (ms: number) => `${fmt((ms / profileCalls) * 1000, 0)} µs/call`;
    console.log(
      `\nCPU profile: ${profileCalls} calls, ${fmt(s.totalMs, 0)} ms sampled, busy ${per(busy)} (${file})`,
    );
    console.log("\nSelf time by module:");
    for (const [m, ms] of s.byModule.slice(0, 30)) console.log(`  ${per(ms).padStart(14)}  ${m}`);
    console.log("\nSelf time by function:");
    for (const [f, ms] of s.byFunction.slice(0, 40)) console.log(`  ${per(ms).padStart(14)}  ${f}`);
    console.log("\nInclusive time by function:");
    for (const [f, ms] of s.inclusive.slice(0, 60)) console.log(`  ${per(ms).padStart(14)}  ${f}`);
  }
} finally {
  for (const w of extra) await w.stop();
  await stack?.stop();
}
