/**
 * Helpers of the console tests: one Chromium per test file (from @sparticuz/chromium, unpacked by
 * the global setup), pages signed in through the real form, a guard that records what must never
 * happen (dialogs, requests leaving the origin, page errors), and API calls that set up data.
 */
import { randomUUID } from "node:crypto";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";

export const stack = inject("consoleStack");

/** Headless Chromium; no network beyond what the pages ask for. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: stack.chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--no-zygote",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
    ],
  });
}

export interface Guard {
  dialogs: string[];
  /** Requests to anything but this worker's origin. */
  foreign: string[];
  /** Uncaught page errors. */
  errors: string[];
}

/** A new context + page with the guard attached. */
export async function openPage(
  browser: Browser,
  opts: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<{ page: Page; context: BrowserContext; guard: Guard }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 },
    locale: "en-US",
    colorScheme: opts.colorScheme ?? "light",
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const guard: Guard = { dialogs: [], foreign: [], errors: [] };
  page.on("dialog", (d) => {
    guard.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(`${stack.url}/`) && !url.startsWith("blob:")) guard.foreign.push(url);
  });
  page.on("pageerror", (e) => guard.errors.push(e.message));
  return { page, context, guard };
}

/** Signs in through the form and waits for the traces view. */
export async function signIn(page: Page, token = stack.adminToken): Promise<void> {
  await page.goto(`${stack.url}/console/`);
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Traces", level: 1 }).waitFor();
}

/** Goes to a console route (`/traces?…`, `/trace/<id>`…) in the signed-in tab. */
export async function go(page: Page, route: string): Promise<void> {
  await page.goto(`${stack.url}/console/#${route}`);
}

/** A name no other test uses (trigger events must match ^[a-z][a-z0-9_]*$). */
export const unique = (prefix: string) => `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 10)}`;

/** An admin API call from Node: status and parsed body. */
export async function adminApi<T = any>(
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.adminToken}`,
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Creates a script (201 expected) and returns it. */
export async function createScript(
  fields: Record<string, unknown>,
): Promise<{ id: string; current_version: number }> {
  const { status, body } = await adminApi("POST", "/v1/scripts", fields);
  if (status !== 201) throw new Error(`createScript: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Fires a trigger and waits until its trace is stored (written after the answer). */
export async function fire(event: string, context: unknown): Promise<string> {
  const res = await fetch(`${stack.url}/v1/triggers/${event}`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.triggerToken}`, "content-type": "application/json" },
    body: JSON.stringify(context),
  });
  const { trace_id } = (await res.json()) as { trace_id: string };
  await until(async () => (await adminApi("GET", `/v1/traces/${trace_id}`)).status === 200);
  return trace_id;
}

/** Polls a condition until it holds or the deadline passes. */
export async function until(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
