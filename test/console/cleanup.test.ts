// Retention in Chromium: the count of traces due, "Clean up now" asking first (cancel deletes
// nothing), and the counts the cleanup endpoint answered after confirming. Two real traces are
// aged past the retention period in the database itself.
import { createClient } from "@libsql/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, createScript, fire, go, launch, openPage, signIn, stack, unique } from "./browser";

const DAY_MS = 86_400_000;
const event = unique("ui_cleanup");
let browser: Browser;
let page: Page;
let aged: string[];

beforeAll(async () => {
  await createScript({
    name: "One",
    trigger_event: event,
    layer_index: 0,
    parallel_index: 0,
    source: "return {}",
  });
  await createScript({
    name: "Two",
    trigger_event: event,
    layer_index: 0,
    parallel_index: 1,
    source: "return {}",
  });
  aged = [await fire(event, { user: { id: "u_old1" } }), await fire(event, { user: { id: "u_old2" } })];
  await fire(event, { user: { id: "u_new" } });
  const db = createClient({ url: stack.dbUrl });
  const shift = 40 * DAY_MS;
  for (const id of aged) {
    await db.execute({
      // span times are stored relative to the set's start: moving it moves every span
      sql: "update pipeline_span_sets set started_at = started_at - ? where trace_id = ?",
      args: [shift, id],
    });
    await db.execute({
      sql: "update pipeline_traces set started_at = started_at - ?, ended_at = ended_at - ? where id = ?",
      args: [shift, shift, id],
    });
  }
  db.close();
  browser = await launch();
  ({ page } = await openPage(browser));
  await signIn(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("retention", () => {
  it("shows the traces due; cancel keeps them; confirming shows the counts deleted", async () => {
    await go(page, "/retention");
    const due = page.locator("[data-due]");
    await expect.poll(() => due.textContent()).toBe("2");
    expect(await page.getByText("Traces are kept 30 days").count()).toBe(1);

    await page.getByRole("button", { name: "Clean up now" }).click();
    const dialog = page.getByRole("dialog", { name: "Clean up old traces?" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("This deletes the 2 traces");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await adminApi("GET", "/v1/retention")).body.due_traces).toBe(2);

    await page.getByRole("button", { name: "Clean up now" }).click();
    await dialog.getByRole("button", { name: "Delete them" }).click();
    // two traces, each with two script spans
    await expect
      .poll(() => page.locator(".cleanup-result").textContent())
      .toBe("Deleted 2 traces and 4 spans in 1 batch.");
    await expect.poll(() => due.textContent()).toBe("0");
    for (const id of aged) expect((await adminApi("GET", `/v1/traces/${id}`)).status).toBe(404);
    const left = await adminApi("GET", `/v1/traces?trigger_event=${event}`);
    expect(left.body.traces.map((t: { user_id: string }) => t.user_id)).toEqual(["u_new"]);
  });
});
