/**
 * CPU time of whole process groups from /proc (Linux): user + system time of every process whose
 * group id is given, in ms. The bench starts each worker and the database in its own group, so
 * the difference of two readings is the CPU a block of calls cost each of them — unaffected by
 * a profiler's overhead, and separating the worker's own CPU from the database server's.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** User + system CPU ms of every live process in `pgid`, summed (0 where /proc is absent). */
export function groupCpuMs(pgid: number): number {
  return Object.values(groupCpuByCommand(pgid)).reduce((a, b) => a + b, 0);
}

/**
 * User + system CPU ms of the live processes in `pgid`, by command name (`node`, `workerd`, …);
 * with `byPid`, by `command:pid`.
 */
export function groupCpuByCommand(pgid: number, byPid = false): Record<string, number> {
  const out: Record<string, number> = {};
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after the command (which may hold spaces) start after the last ')'.
    const close = stat.lastIndexOf(")");
    const command = stat.slice(stat.indexOf("(") + 1, close);
    const rest = stat.slice(close + 2).split(" ");
    if (Number(rest[2]) !== pgid) continue; // field 5: pgrp
    // fields 14, 15: utime, stime
    const key = byPid ? `${command}:${name}` : command;
    out[key] = (out[key] ?? 0) + (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  }
  return out;
}
