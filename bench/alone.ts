/**
 * Runs one bench row alone on its own stack (bench/stack.ts): starts it, hands the row the stack
 * and an abort signal, and stops it at the end, on an error or on Ctrl-C (every child is SIGKILLed
 * on exit as a last resort). Used by the `*-run.ts` entry points.
 */
import { type Stack, startStack } from "./stack";

export async function runAlone(row: (stack: Stack, signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  let killNow: (() => void) | undefined;
  let stack: Stack | undefined;
  process.on("exit", () => killNow?.());
  process.on("SIGINT", () => {
    abort.abort();
    if (stack) void stack.stop().finally(() => process.exit(130));
  });
  try {
    stack = await startStack((k) => {
      killNow = k;
    });
    await row(stack, abort.signal);
  } finally {
    await stack?.stop();
  }
}
