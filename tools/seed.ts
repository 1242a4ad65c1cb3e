/**
 * Seeds the example scripts (examples/scripts/manifest.json) into a database that has no
 * scripts yet. Used by `npm start` (once: a database with any script is left alone) and the bench.
 * The IP Reputation example calls the demo reputation API at DEMO_REPUTATION_URL; `npm start`
 * passes the URL it really serves it on, written into the source when it differs.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { count } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { pipelineScripts, pipelineScriptVersions } from "../src/db/schema";

const EXAMPLES = new URL("../examples/scripts/", import.meta.url);

export interface ManifestEntry {
  name: string;
  file: string;
  description?: string;
  trigger_event: string;
  layer_index: number;
  parallel_index: number;
  on_error?: "continue" | "block";
  instruction_budget?: number;
  mode?: "enforce" | "shadow";
  allowed_hosts?: string[];
  timeout_ms?: number;
}

/** The demo reputation API's URL as the example source writes it (`npm start` with default ports). */
export const DEMO_REPUTATION_URL = "http://127.0.0.1:8081/reputation";

interface Manifest {
  scripts: ManifestEntry[];
  sample_contexts: { allowed: unknown; blocked: unknown };
}

function readManifest(): Manifest {
  return JSON.parse(readFileSync(fileURLToPath(new URL("manifest.json", EXAMPLES)), "utf8"));
}

/** The example pipeline's manifest entries with their Lua source (the demo API at `demoUrl`). */
export function readExamples(demoUrl = DEMO_REPUTATION_URL): (ManifestEntry & { source: string })[] {
  return readManifest().scripts.map((e) => ({
    ...e,
    source: readFileSync(fileURLToPath(new URL(e.file, EXAMPLES)), "utf8").replaceAll(
      DEMO_REPUTATION_URL,
      demoUrl,
    ),
  }));
}

/** The manifest's sample contexts: one the example pipeline allows, one it blocks. */
export function readSampleContexts(): Manifest["sample_contexts"] {
  return readManifest().sample_contexts;
}

/** Inserts the examples when the database has no scripts; returns how many were inserted. */
export async function seedExamples(url: string, authToken?: string, demoUrl?: string): Promise<number> {
  const client = createClient({ url, authToken: authToken || undefined });
  try {
    const db = drizzle(client);
    const [existing] = await db.select({ n: count() }).from(pipelineScripts);
    if ((existing?.n ?? 0) > 0) return 0;
    const now = Date.now();
    const examples = readExamples(demoUrl);
    const statements = examples.flatMap((e) => {
      const id = `scr_${randomBytes(8).toString("hex")}`;
      const sha256 = createHash("sha256").update(e.source).digest("hex");
      const settings = {
        onError: e.on_error ?? "continue",
        instructionBudget: e.instruction_budget ?? 1_000_000,
        mode: e.mode ?? "enforce",
      } as const;
      return [
        db.insert(pipelineScripts).values({
          id,
          name: e.name,
          description: e.description ?? null,
          triggerEvent: e.trigger_event,
          layerIndex: e.layer_index,
          parallelIndex: e.parallel_index,
          enabled: true,
          ...settings,
          currentVersion: 1,
          createdAt: now,
          updatedAt: now,
        }),
        db.insert(pipelineScriptVersions).values({
          scriptId: id,
          version: 1,
          source: e.source,
          sha256,
          allowedHosts: e.allowed_hosts ?? [],
          timeoutMs: e.timeout_ms ?? 3000,
          ...settings, // a version records the run settings it was made with
          createdAt: now,
        }),
      ];
    });
    const [first, ...rest] = statements;
    if (first) await db.batch([first, ...rest]);
    return examples.length;
  } finally {
    client.close();
  }
}
