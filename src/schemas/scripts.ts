/** Request and response schemas of the scripts API. */
import { z } from "@hono/zod-openapi";
import { DEFAULT_SCRIPT_TIMEOUT_MS } from "../engine/driver";
import { isHostPattern } from "../engine/egress";
import { EventName, ScriptId } from "./common";

export const MAX_SOURCE_BYTES = 64 * 1024;
export const DEFAULT_INSTRUCTION_BUDGET = 1_000_000;

const slotIndex = z.number().int().min(0).max(99);
const budget = z.number().int().min(1_000).max(100_000_000);
const source = z
  .string()
  .min(1, "must not be empty")
  .refine(
    (s) => new TextEncoder().encode(s).length <= MAX_SOURCE_BYTES,
    `must be at most ${MAX_SOURCE_BYTES} bytes`,
  );
const name = z.string().trim().min(1, "must not be empty").max(100);
/** `enforce` (default): the script's answer counts; `shadow`: recorded, never changes the answer. */
export const ScriptModeSchema = z.enum(["enforce", "shadow"]);

export const MAX_ALLOWED_HOSTS = 20;
export { DEFAULT_SCRIPT_TIMEOUT_MS };
export const MAX_SCRIPT_TIMEOUT_MS = 30_000;

/** Hosts a script's http.fetch may reach; shared by the scripts API, apply and the dry run's drafts. */
export const AllowedHosts = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .refine(
        isHostPattern,
        "must be a host (api.example.com), a wildcard (*.example.com), an IPv4 or [IPv6] address",
      ),
  )
  .max(MAX_ALLOWED_HOSTS)
  .openapi({
    description: "Hosts http.fetch may reach (exact, or *.domain for sub-domains); empty: no network",
    example: ["api.example.com"],
  });

/** A script's deadline while it waits on http.fetch, in ms. */
export const ScriptTimeout = z.number().int().min(1).max(MAX_SCRIPT_TIMEOUT_MS).openapi({
  description:
    "Deadline of one run while it waits on http.fetch (ms); then it ends as an error under on_error",
  example: DEFAULT_SCRIPT_TIMEOUT_MS,
});

export const CreateScriptBody = z
  .object({
    name,
    description: z.string().max(1000).nullable().optional(),
    trigger_event: EventName,
    layer_index: slotIndex,
    parallel_index: slotIndex,
    enabled: z.boolean().default(true),
    on_error: z.enum(["continue", "block"]).default("continue"),
    instruction_budget: budget.default(DEFAULT_INSTRUCTION_BUDGET),
    allowed_hosts: AllowedHosts.default([]),
    timeout_ms: ScriptTimeout.default(DEFAULT_SCRIPT_TIMEOUT_MS),
    mode: ScriptModeSchema.default("enforce"),
    source: source.openapi({
      example: 'if ctx.country == "KP" then return { block = true, reason = "country" } end',
    }),
  })
  .strict()
  .openapi("CreateScript");

/** The fields an update may change (each optional). */
export const UpdateScriptFields = z.object({
  name: name.optional(),
  description: z.string().max(1000).nullable().optional(),
  trigger_event: EventName.optional(),
  layer_index: slotIndex.optional(),
  parallel_index: slotIndex.optional(),
  enabled: z.boolean().optional(),
  on_error: z.enum(["continue", "block"]).optional(),
  instruction_budget: budget.optional(),
  allowed_hosts: AllowedHosts.optional(),
  timeout_ms: ScriptTimeout.optional(),
  mode: ScriptModeSchema.optional(),
  source: source.optional(),
});

/** Optimistic concurrency: the version a change is based on (409 when the script moved on). */
const expectedVersion = z.number().int().min(1);

export const UpdateScriptBody = UpdateScriptFields.extend({ expected_version: expectedVersion.optional() })
  .strict()
  .refine((b) => Object.keys(b).some((k) => k !== "expected_version"), "at least one field must be given")
  .openapi("UpdateScript");

/** The whole plan `POST /v1/scripts/apply` lands in one transaction. */
export const MAX_APPLY_ITEMS = 200;
export const ApplyScriptsBody = z
  .object({
    create: z.array(CreateScriptBody).max(MAX_APPLY_ITEMS).default([]),
    update: z
      .array(UpdateScriptFields.extend({ id: ScriptId, expected_version: expectedVersion }).strict())
      .max(MAX_APPLY_ITEMS)
      .default([]),
  })
  .strict()
  .refine((b) => b.create.length + b.update.length <= MAX_APPLY_ITEMS, {
    message: `at most ${MAX_APPLY_ITEMS} changes in one plan`,
    path: ["update"],
  })
  .openapi("ApplyScripts");

export const ScriptSchema = z
  .object({
    id: ScriptId,
    name: z.string(),
    description: z.string().nullable(),
    trigger_event: z.string(),
    layer_index: z.number().int(),
    parallel_index: z.number().int(),
    enabled: z.boolean(),
    on_error: z.enum(["continue", "block"]),
    instruction_budget: z.number().int(),
    allowed_hosts: z.array(z.string()),
    timeout_ms: z.number().int(),
    mode: ScriptModeSchema,
    current_version: z.number().int(),
    source: z.string(),
    sha256: z.string(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .openapi("Script");

export const ScriptVersionSchema = z
  .object({
    script_id: z.string(),
    version: z.number().int(),
    sha256: z.string(),
    allowed_hosts: z.array(z.string()),
    timeout_ms: z.number().int(),
    on_error: z.enum(["continue", "block"]).openapi({ description: "Settings when this version was made" }),
    instruction_budget: z.number().int(),
    mode: ScriptModeSchema,
    created_at: z.number().int(),
    source: z.string().optional(),
  })
  .openapi("ScriptVersion");

export const RollbackBody = z
  .object({ version: z.number().int().min(1) })
  .strict()
  .openapi("Rollback");

export const RollbackResult = ScriptSchema.extend({
  rolled_back_from: z
    .number()
    .int()
    .openapi({ description: "The version whose source and settings were copied" }),
}).openapi("RollbackResult");

export const ScriptIdParam = z.object({ id: ScriptId.openapi({ param: { name: "id", in: "path" } }) });

export const ApplyResultSchema = z
  .object({
    scripts: z.array(
      z.object({
        id: ScriptId,
        name: z.string(),
        trigger_event: z.string(),
        action: z.enum(["created", "updated"]),
        previous_version: z.number().int().nullable(),
        current_version: z.number().int(),
        enabled: z.boolean(),
      }),
    ),
  })
  .openapi("ApplyResult");
