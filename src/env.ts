/**
 * The worker's configuration, parsed once per env object with zod.
 *
 * Bindings arrive with every request (never read from globals); a missing or malformed one
 * becomes a clear 500 naming it instead of a crash deep inside a handler.
 */
import { z } from "zod";
import { ApiTokenSchema } from "./auth/tokens";
import type { TraceRecord } from "./db/trace-writes";
import { DEFAULT_FLUSH_INTERVAL_MS } from "./tracing/writer";

const onOff = z.enum(["on", "off"]);

/** `%xx`-decodes a header value (the OTEL_EXPORTER_OTLP_HEADERS convention); malformed stays as is. */
function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list, items trimmed (then mapped), empty items dropped. */
const commaList = (map: (item: string) => string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((item) => map(item.trim()))
        .filter(Boolean),
    );

/** Every binding Hookline reads. Secrets are optional here; endpoints that need one refuse without it. */
export const EnvSchema = z.object({
  TURSO_DATABASE_URL: z
    .string({ error: "TURSO_DATABASE_URL is not set" })
    .regex(/^(libsql|https?|wss?):\/\//, "TURSO_DATABASE_URL must be a libsql://, https:// or http:// URL"),
  TURSO_AUTH_TOKEN: z.string().optional(),
  ADMIN_TOKEN: z.string().min(1).optional(),
  TRIGGER_TOKEN: z.string().min(1).optional(),
  /** Named, scoped tokens as JSON: `[{"name","sha256","scopes":[…]}]` (hashes only, never tokens). */
  API_TOKENS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v?.trim()) return [];
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "API_TOKENS must be a JSON array" });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(ApiTokenSchema)
        .max(100)
        .refine(
          (list) => new Set(list.map((t) => t.name)).size === list.length,
          "token names must be unique",
        ),
    ),
  TRIGGER_SIGNING_SECRET: z.string().min(1).optional(),
  /** Script secrets (src/secrets/crypto.ts): checked when first used, so a bad key only disables secrets. */
  SECRETS_KEY: z.string().optional(),
  SECRETS_KEY_ID: z.string().optional(),
  SECRETS_KEYS_OLD: z.string().optional(),
  TRACE_RETENTION_DAYS: intFrom(1, 3650).default(30),
  /** Timeout of each HTTP request to the database, in ms. */
  DB_TIMEOUT_MS: intFrom(50, 120_000).default(10_000),
  SCRIPT_CACHE_TTL_S: intFrom(0, 3600).default(10),
  FAIL_MODE: z.enum(["closed", "open"]).default("closed"),
  TRACING: onOff.default("on"),
  TRACE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  /** Extra key names to redact in stored traces, comma-separated (added to the built-in list). */
  REDACT_KEYS: commaList((k) => k),
  /** Backoff before each retry of a failed trace flush, in ms, comma-separated. */
  TRACE_RETRY_DELAYS_MS: z
    .string()
    .regex(/^\d{1,5}(,\d{1,5}){0,7}$/, "TRACE_RETRY_DELAYS_MS must be up to 8 comma-separated integers (ms)")
    .default("100,500,2000,5000")
    .transform((v) => v.split(",").map(Number)),
  /** How long the trace writer gathers traces into one flush (one database request), in ms. */
  TRACE_FLUSH_MS: intFrom(1, 1000).default(DEFAULT_FLUSH_INTERVAL_MS),
  /** Cap of every stored JSON field (context, result, span attributes), in bytes. */
  TRACE_MAX_FIELD_BYTES: intFrom(1024, 1024 * 1024).default(16 * 1024),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** `direct`: write to Turso, the queue is the fallback; `queue`: every trace goes through TRACE_QUEUE. */
  TRACE_DELIVERY: z.enum(["direct", "queue"]).default("direct"),
  /** Backoff of the queue consumer, in seconds, by attempt (the last one repeats up to max_retries). */
  TRACE_QUEUE_RETRY_DELAYS_S: z
    .string()
    .regex(
      /^\d{1,5}(,\d{1,5}){0,15}$/,
      "TRACE_QUEUE_RETRY_DELAYS_S must be up to 16 comma-separated integers (s)",
    )
    .default("5,10,30,60,120,300")
    .transform((v) => v.split(",").map(Number)),
  /** OTLP/HTTP traces endpoint (`…/v1/traces`); unset = no push. */
  OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: "OTLP_ENDPOINT must be an http(s) URL" }).optional(),
  /** Secret: extra headers for the collector, `name=value` pairs separated by commas. */
  OTLP_HEADERS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const headers: Record<string, string> = {};
      for (const pair of (v ?? "").split(",")) {
        if (!pair.trim()) continue;
        const eq = pair.indexOf("=");
        const name = pair.slice(0, eq).trim();
        if (eq <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
          // The value is a secret: name the variable, never echo it.
          ctx.addIssue({
            code: "custom",
            message: "OTLP_HEADERS must be name=value pairs separated by commas",
          });
          return z.NEVER;
        }
        headers[name.toLowerCase()] = percentDecoded(pair.slice(eq + 1).trim());
      }
      return headers;
    }),
  OTLP_PROTOCOL: z.enum(["http/json", "http/protobuf"]).default("http/json"),
  /** The queue producer binding (wrangler.toml `[[queues.producers]]`); absent = no queue. */
  TRACE_QUEUE: z
    .custom<TraceQueueProducer>(
      (v) => typeof v === "object" && v !== null && typeof (v as TraceQueueProducer).sendBatch === "function",
      "TRACE_QUEUE must be a queue producer binding",
    )
    .optional(),
  /** Reported as the OTLP resource attribute `faas.name`. */
  WORKER_NAME: z.string().min(1).max(200).default("hookline"),
  /** Hosts scripts may reach over plain http:// (comma-separated; e.g. 127.0.0.1 for local dev). */
  ALLOW_INSECURE_HTTP_HOSTS: commaList((h) => h.toLowerCase()),
  /** Deadline of a whole trigger call while its scripts wait on http.fetch, in ms. */
  TRIGGER_DEADLINE_MS: intFrom(100, 30_000).default(5000),
  /** Outbound requests (redirect hops included) one trigger call may make (Workers: 50 subrequests on Free). */
  TRIGGER_MAX_FETCHES: intFrom(0, 1000).default(40),
});

export type Config = z.infer<typeof EnvSchema>;

/** A trace-queue message body (see src/tracing/queue.ts). */
export interface TraceQueueBody {
  v: 1;
  records: TraceRecord[];
}

/** The part of a Cloudflare Queue producer binding Hookline uses (typed here for Node tools too). */
export interface TraceQueueProducer {
  sendBatch(messages: Iterable<{ body: TraceQueueBody; contentType?: "json" }>): Promise<unknown>;
}

/** The raw bindings as wrangler hands them over (strings, or absent), plus the queue producer. */
export type Bindings = { [K in Exclude<keyof z.input<typeof EnvSchema>, "TRACE_QUEUE">]?: string } & {
  TRACE_QUEUE?: TraceQueueProducer;
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; message: string };

const parsed = new WeakMap<object, ConfigResult>();

/**
 * Parses the bindings once per env object (workerd hands the same object to every request of
 * an isolate) and remembers the outcome.
 */
export function loadConfig(env: object): ConfigResult {
  const cached = parsed.get(env);
  if (cached) return cached;
  const outcome = EnvSchema.safeParse(env);
  const result: ConfigResult = outcome.success
    ? { ok: true, config: outcome.data }
    : {
        ok: false,
        message: outcome.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`).join("; "),
      };
  parsed.set(env, result);
  return result;
}
