/**
 * Seeds the example scripts (examples/scripts/manifest.json) into a database that has no
 * scripts yet. Used by `npm start` (once: a database with any script is left alone) and the bench.
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
  allowed_hosts?: string[];
  timeout_ms?: number;
}

/** Placeholders filled in the example sources when seeding (e.g. the demo reputation API's URL). */
export interface SeedVars {
  demoReputationUrl?: string;
}

const DEMO_URL_PLACEHOLDER = "__DEMO_REPUTATION_URL__";

interface Manifest {
  scripts: ManifestEntry[];
  sample_contexts: { allowed: unknown; blocked: unknown };
}

function readManifest(): Manifest {
  return JSON.parse(readFileSync(fileURLToPath(new URL("manifest.json", EXAMPLES)), "utf8"));
}

/**
 * The example pipeline's manifest entries with their Lua source. Without `vars.demoReputationUrl`
 * the IP Reputation script keeps its placeholder and never calls out (its static list decides).
 */
export function readExamples(vars: SeedVars = {}): (ManifestEntry & { source: string })[] {
  return readManifest().scripts.map((e) => {
    const source = readFileSync(fileURLToPath(new URL(e.file, EXAMPLES)), "utf8");
    const url = vars.demoReputationUrl;
    return { ...e, source: url ? source.replaceAll(DEMO_URL_PLACEHOLDER, url) : source };
  });
}

/** The manifest's sample contexts: one the example pipeline allows, one it blocks. */
export function readSampleContexts(): Manifest["sample_contexts"] {
  return readManifest().sample_contexts;
}

/** Inserts the examples when the database has no scripts; returns how many were inserted. */
export async function seedExamples(url: string, authToken?: string, vars: SeedVars = {}): Promise<number> {
  const client = createClient({ url, authToken: authToken || undefined });
  try {
    const db = drizzle(client);
    const [existing] = await db.select({ n: count() }).from(pipelineScripts);
    if ((existing?.n ?? 0) > 0) return 0;
    const now = Date.now();
    const examples = readExamples(vars);
    const statements = examples.flatMap((e) => {
      const id = `scr_${randomBytes(8).toString("hex")}`;
      const sha256 = createHash("sha256").update(e.source).digest("hex");
      return [
        db.insert(pipelineScripts).values({
          id,
          name: e.name,
          description: e.description ?? null,
          triggerEvent: e.trigger_event,
          layerIndex: e.layer_index,
          parallelIndex: e.parallel_index,
          enabled: true,
          onError: e.on_error ?? "continue",
          instructionBudget: e.instruction_budget ?? 1_000_000,
          allowedHosts: e.allowed_hosts ?? [],
          timeoutMs: e.timeout_ms ?? 3000,
          currentVersion: 1,
          createdAt: now,
          updatedAt: now,
        }),
        db
          .insert(pipelineScriptVersions)
          .values({ scriptId: id, version: 1, source: e.source, sha256, createdAt: now }),
      ];
    });
    const [first, ...rest] = statements;
    if (first) await db.batch([first, ...rest]);
    return examples.length;
  } finally {
    client.close();
  }
}
