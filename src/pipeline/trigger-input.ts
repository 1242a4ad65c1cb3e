/**
 * What the trigger path reads from a call besides the scripts: who (`user.id` / `user_id`) and
 * from where (`ip` / `request.ip`, else the `CF-Connecting-IP` header) — stored on the trace for filtering —
 * and whether a finished trace is kept (TRACING, TRACE_SAMPLE_RATE).
 */
import type { TraceStatus } from "../db/schema";
import type { Config } from "../env";

const MAX_ID_LENGTH = 256;

function asIdentifier(value: unknown): string | null {
  if (typeof value === "string" && value.length > 0) return value.slice(0, MAX_ID_LENGTH);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** `user.id`, else `user_id`, as a string (numbers are stringified), else null. */
export function userIdOf(context: Record<string, unknown>): string | null {
  const user = context.user;
  const nested =
    user && typeof user === "object" && !Array.isArray(user)
      ? (user as Record<string, unknown>).id
      : undefined;
  return asIdentifier(nested) ?? asIdentifier(context.user_id);
}

/** `ip` (or `request.ip`) from the context, else the address Cloudflare reports, else null. */
export function requestIpOf(
  context: Record<string, unknown>,
  connectingIp: string | undefined,
): string | null {
  const request = context.request;
  const nested =
    request && typeof request === "object" && !Array.isArray(request)
      ? (request as Record<string, unknown>).ip
      : undefined;
  return asIdentifier(context.ip) ?? asIdentifier(nested) ?? asIdentifier(connectingIp);
}

/**
 * Whether to store a finished trace: never with TRACING=off; blocked and error traces always;
 * successful ones with probability TRACE_SAMPLE_RATE.
 */
export function shouldStoreTrace(
  status: TraceStatus,
  config: Pick<Config, "TRACING" | "TRACE_SAMPLE_RATE">,
  random: () => number = Math.random,
): boolean {
  if (config.TRACING === "off") return false;
  if (status !== "success") return true;
  return config.TRACE_SAMPLE_RATE >= 1 || random() < config.TRACE_SAMPLE_RATE;
}
