/** Prints a plan for people: one line per script, grouped by trigger, then diffs and a summary. */
import { unifiedDiff } from "./diff";
import type { PlanItem, SecretGap } from "./plan";

const slot = (s: { layer_index: number; parallel_index: number }) => `${s.layer_index}-${s.parallel_index}`;
const show = (v: unknown) => JSON.stringify(v);

function describe(item: PlanItem): string[] {
  if (item.kind === "create") {
    const d = item.desired;
    return [`  + create   ${d.name} at ${slot(d)} (${d.file})`];
  }
  if (item.kind === "disable") {
    const s = item.live;
    return [`  - disable  ${s.name} at ${slot(s)} (${s.id} v${s.current_version})`];
  }
  const { live, desired } = item;
  const what = [
    item.sourceChanged ? "source" : null,
    item.moved ? "slot" : null,
    ...item.settings.map((s) => s.field),
  ].filter(Boolean);
  const verb = what.length === 1 && item.moved ? "move   " : "update ";
  const lines = [`  ~ ${verb}  ${live.name} (${live.id} v${live.current_version}): ${what.join(", ")}`];
  if (item.moved) {
    const to = desired.trigger_event === live.trigger_event ? slot(desired) : `${desired.trigger_event} ${slot(desired)}`;
    lines.push(`      slot: ${slot(live)} → ${to}`);
  }
  for (const s of item.settings) lines.push(`      ${s.field}: ${show(s.from)} → ${show(s.to)}`);
  if (item.sourceChanged) {
    const diff = unifiedDiff(live.source, desired.source, `live/${live.id}.lua (v${live.current_version})`, desired.file);
    for (const line of diff.trimEnd().split("\n")) lines.push(`      ${line}`);
  }
  return lines;
}

/** Counts per kind, as the summary line says them. */
export function summarize(items: PlanItem[]): string {
  const n = (kind: PlanItem["kind"]) => items.filter((i) => i.kind === kind).length;
  return `${n("create")} to create, ${n("update")} to update, ${n("disable")} to disable`;
}

export function renderPlan(items: PlanItem[], target: string): string {
  if (items.length === 0) return `No changes: ${target} already matches the tree.\n`;
  const out: string[] = [];
  let trigger = "";
  for (const item of items) {
    const t = item.kind === "disable" ? item.live.trigger_event : item.desired.trigger_event;
    if (t !== trigger) out.push(t);
    trigger = t;
    out.push(...describe(item));
  }
  out.push(`Plan: ${summarize(items)}.`);
  return `${out.join("\n")}\n`;
}

/** Warnings for secret names the tree and the server disagree on (push cannot set values). */
export function renderSecretGaps(gaps: SecretGap[]): string {
  const out: string[] = [];
  for (const g of gaps) {
    const where = g.live ? `${g.live.id}` : "new script";
    const who = `${g.desired.trigger_event} ${g.desired.name} (${where})`;
    for (const name of g.missing) {
      const path = g.live ? `/v1/scripts/${g.live.id}/secrets/${name}` : "/v1/scripts/<id>/secrets/" + name;
      out.push(`! secret ${name} of ${who} is listed but not set: secrets.${name} is nil until PUT ${path}`);
    }
    for (const name of g.unlisted) out.push(`! secret ${name} of ${who} is set on the server but not listed in the manifest`);
  }
  return out.length ? `${out.join("\n")}\n` : "";
}
