/** Request and response schemas of the script secrets API (values are write-only). */
import { z } from "@hono/zod-openapi";
import { MIN_SCRUBBED_SECRET, utf8Bytes } from "../engine/redact";
import { ScriptIdParam } from "./scripts";

export const SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_SECRETS_PER_SCRIPT = 30;
export const MAX_SECRET_VALUE_BYTES = 4096;

export const SecretName = z
  .string()
  .regex(SECRET_NAME_PATTERN, "must match ^[A-Z][A-Z0-9_]{0,63}$ (e.g. API_KEY)")
  .openapi({ example: "REPUTATION_API_KEY" });

export const SecretParams = ScriptIdParam.extend({
  name: SecretName.openapi({ param: { name: "name", in: "path" } }),
});

export const PutSecretBody = z
  .object({
    value: z
      .string()
      .min(
        MIN_SCRUBBED_SECRET,
        `must be at least ${MIN_SCRUBBED_SECRET} characters (shorter ones cannot be scrubbed from traces)`,
      )
      .refine(
        (v) => utf8Bytes(v) <= MAX_SECRET_VALUE_BYTES,
        `must be at most ${MAX_SECRET_VALUE_BYTES} bytes (UTF-8)`,
      )
      .openapi({ description: "The secret; write-only, never answered", example: "sk_live_…" }),
  })
  .strict()
  .openapi("PutSecret");

export const SecretInfoSchema = z
  .object({
    name: z.string(),
    key_id: z
      .string()
      .openapi({ description: "Id of the key that encrypted it (SECRETS_KEY_ID at write time)" }),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .openapi("SecretInfo");

export const SecretListSchema = z
  .object({
    secrets: z.array(SecretInfoSchema),
    max_secrets: z.number().int().openapi({ example: MAX_SECRETS_PER_SCRIPT }),
  })
  .openapi("SecretList");

export const ReencryptQuery = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, "expected a positive integer")
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional()
    .openapi({ description: "Rows re-encrypted per call (default 200)" }),
});

export const ReencryptResultSchema = z
  .object({
    key_id: z.string(),
    reencrypted: z.number().int(),
    failed: z.array(z.object({ script_id: z.string(), name: z.string(), key_id: z.string() })),
    done: z.boolean().openapi({ description: "False when rows under other key ids may remain; call again" }),
  })
  .openapi("ReencryptResult");
