/**
 * Polling a condition with a deadline: the one way tests wait for work that finishes after an
 * answer (trace writes in waitUntil, server-side bookkeeping). Success is explicit: `eventually`
 * needs the probe to return exactly `true`; `eventuallyValue` needs `until(value)` to hold. A
 * `0`, `null`, `[]` or `undefined` is never mistaken for success. Plain module: used in Node and
 * in workerd.
 */

const POLL_MS = 25;
/**
 * The default deadline: a condition that normally holds within tens of ms gets 10 s, so a loaded
 * machine (the stability check runs beside two CPU hogs) slows a test down instead of failing it.
 * Waiting longer costs nothing when the condition holds; only a real failure takes the full 10 s.
 */
export const DEFAULT_DEADLINE_MS = 10_000;

/** Polls `probe` until it returns `true`; throws after `timeoutMs` with the last value seen. */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  timeoutMs = DEFAULT_DEADLINE_MS,
): Promise<void> {
  await eventuallyValue(probe, (v) => v === true, timeoutMs);
}

/** Polls `probe` until `until(value)` is true and returns that value; throws after `timeoutMs`. */
export async function eventuallyValue<T>(
  probe: () => Promise<T> | T,
  until: (value: T) => boolean,
  timeoutMs = DEFAULT_DEADLINE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (until(value) === true) return value;
    if (Date.now() > deadline) {
      const seen = JSON.stringify(value)?.slice(0, 200);
      throw new Error(`condition not met within ${timeoutMs} ms (last value: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
