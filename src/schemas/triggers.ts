/** Request and response schemas of the trigger endpoints and the dry run. */
import { z } from "@hono/zod-openapi";
import { EventName, ScriptId } from "./common";
import { AllowedHosts, MAX_SOURCE_BYTES, ScriptModeSchema, ScriptTimeout } from "./scripts";

export const MAX_CONTEXT_BYTES = 64 * 1024;

export const EventParam = z.object({ event: EventName.openapi({ param: { name: "event", in: "path" } }) });

export const TriggerContext = z.record(z.string(), z.unknown()).openapi("TriggerContext", {
  example: {
    user: { id: "u_1", email: "ada@example.com" },
    ip: "203.0.113.7",
    country: "GB",
    device: { id: "d_1", known: true },
  },
});

export const TriggerResult = z
  .object({
    trace_id: z.string().openapi({ example: "4bf92f3577b34da6a3ce929d0e0e4736" }),
    status: z.enum(["success", "blocked", "error"]),
    decision: z.enum(["allow", "block"]),
    data: z.record(z.string(), z.unknown()),
    blocked_by: z.object({ script_id: z.string(), name: z.string(), reason: z.string() }).optional(),
    errors: z
      .array(z.object({ script_id: z.string().nullable(), name: z.string(), message: z.string() }))
      .optional(),
    duration_ms: z.number(),
  })
  .openapi("TriggerResult");

export const DraftScript = z
  .object({
    id: ScriptId.optional(),
    name: z.string().trim().min(1).max(100),
    layer_index: z.number().int().min(0).max(99),
    parallel_index: z.number().int().min(0).max(99),
    source: z.string().min(1).max(MAX_SOURCE_BYTES),
    on_error: z.enum(["continue", "block"]).default("continue"),
    instruction_budget: z.number().int().min(1_000).max(100_000_000).default(1_000_000),
    /** Absent: the saved script's (a draft with its id), else [] — no network. */
    allowed_hosts: AllowedHosts.optional(),
    /** Absent: the saved script's (a draft with its id), else 3000. */
    timeout_ms: ScriptTimeout.optional(),
    mode: ScriptModeSchema.default("enforce"),
  })
  .strict()
  .openapi("DraftScript");
export type DraftScriptInput = z.infer<typeof DraftScript>;

export const DryRunBody = z
  .object({
    context: TriggerContext,
    scripts: z.array(DraftScript).max(50).default([]),
    only_drafts: z.boolean().default(false),
    http: z.enum(["live", "off"]).default("live").openapi({
      description:
        'live: http.fetch makes real calls (under each script\'s allowed_hosts); off: every http.fetch fails at once with "http.fetch: HTTP is off for this run"',
    }),
  })
  .strict()
  .openapi("DryRun");

export const DryRunResult = TriggerResult.extend({
  stored: z.literal(false),
  spans: z.array(z.record(z.string(), z.unknown())),
}).openapi("DryRunResult");

export const TriggerSummary = z
  .object({
    trigger_event: z.string(),
    layers: z.array(
      z.object({
        layer_index: z.number().int(),
        scripts: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            parallel_index: z.number().int(),
            on_error: z.enum(["continue", "block"]),
            current_version: z.number().int(),
            instruction_budget: z.number().int(),
            mode: ScriptModeSchema,
          }),
        ),
      }),
    ),
  })
  .openapi("Trigger");
