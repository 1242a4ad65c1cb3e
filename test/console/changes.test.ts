// Changing scripts safely, in Chromium: a shadow script marked in the waterfall (would block),
// a backtest of a draft showing the flips with their traces, rollback to an older version, the
// shadow/enforce switch, replay of a recorded call against today's scripts, and a trace diff.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, createScript, fire, go, launch, openPage, signIn, unique } from "./browser";

const event = unique("ui_changes");
const BLOCK_KP = 'if ctx.country == "KP" then return { block = true, reason = "country" } end';
let browser: Browser;
let page: Page;
let gate: string;
let watcher: string;
let kp: string;
let gb: string;

beforeAll(async () => {
  gate = (
    await createScript({
      name: "Country gate",
      trigger_event: event,
      layer_index: 0,
      parallel_index: 0,
      source: "return {}",
    })
  ).id;
  watcher = (
    await createScript({
      name: "Watcher",
      trigger_event: event,
      layer_index: 0,
      parallel_index: 1,
      mode: "shadow",
      source: BLOCK_KP,
    })
  ).id;
  await createScript({
    name: "After",
    trigger_event: event,
    layer_index: 1,
    parallel_index: 0,
    source: "return {}",
  });
  kp = await fire(event, { country: "KP" });
  gb = await fire(event, { country: "GB" });
  browser = await launch();
  ({ page } = await openPage(browser));
  await signIn(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const editScript = async (id: string) => {
  await go(page, `/scripts/${id}`);
  await page.getByLabel("Lua source").waitFor();
};
const status = () => page.locator(".save-status").textContent();

describe("changing scripts safely", () => {
  it("marks a shadow script's span, and that it would have blocked", async () => {
    await go(page, `/trace/${kp}`);
    const bar = page.locator(`.bar[data-span]`, { hasText: "Watcher" });
    await bar.waitFor();
    expect(await bar.getAttribute("class")).toContain("shadow");
    expect(await bar.locator(".tag").textContent()).toBe("shadow · would block");
    expect(await page.locator(".summary").textContent()).toContain("decision allow");
  });

  it("charts the shadow script's would-block over time on the stats page", async () => {
    await go(page, `/stats?trigger_event=${event}`);
    const chart = page.locator(`.stats-trigger[data-trigger="${event}"] [data-series="would-block"]`);
    await chart.locator('figure[data-drawn="true"] canvas').first().waitFor();
    // one line, the shadow script's (the enforced ones never "would" anything)
    expect(await chart.locator(".u-legend .u-series").allTextContents()).toEqual([
      expect.stringContaining("Time"),
      expect.stringContaining("Watcher"),
    ]);
  });

  it("backtests a draft on the recorded calls and lists the flips", async () => {
    await editScript(gate);
    await page.getByLabel("Lua source").fill(BLOCK_KP);
    await page.getByRole("button", { name: "Backtest the draft" }).click();
    const out = page.locator(".backtest-out");
    await expect
      .poll(() => out.locator(".backtest-summary").textContent())
      .toBe("2 recorded calls re-run: 1 flips, 1 unchanged.");
    expect(await out.locator('[data-flip="allow → block"] a').allTextContents()).toEqual([kp]);
    expect(await out.locator('[data-flip="block → allow"] strong').textContent()).toBe("0");
  });

  it("saves the draft, then rolls back to version 1 as version 3", async () => {
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(status).toBe("Saved: version 2.");
    await page.getByRole("button", { name: "v1", exact: true }).click();
    await page.getByRole("button", { name: "Roll back to v1" }).click();
    await expect.poll(status).toBe("Rolled back: version 3 has the source and settings of v1.");
    expect((await adminApi("GET", `/v1/scripts/${gate}`)).body).toMatchObject({
      current_version: 3,
      source: "return {}",
    });
    expect(await page.getByLabel("Lua source").inputValue()).toBe("return {}");
  });

  it("switches a shadow script to enforce (a settings edit: the version is kept)", async () => {
    await editScript(watcher);
    await page.getByRole("button", { name: "Enforce (leave shadow mode)" }).click();
    await expect.poll(status).toBe("Now in enforce mode, still version 1.");
    expect((await adminApi("GET", `/v1/scripts/${watcher}`)).body.mode).toBe("enforce");
    expect(await page.getByRole("button", { name: "Switch to shadow mode" }).count()).toBe(1);
  });

  it("replays a recorded call against today's scripts, showing the decision change", async () => {
    await go(page, `/trace/${kp}`);
    await page.getByRole("button", { name: "Replay against today's scripts" }).click();
    const summary = page.locator(".replay-summary");
    await expect
      .poll(() => summary.textContent())
      .toBe("Recorded: allow (success). Today: block (blocked) by Watcher. The decision changed.");
    expect(await page.locator('.span-diff tr[data-change="changed"] th').allTextContents()).toContain(
      "Watcher",
    );
  });

  it("diffs two traces and names where they diverged", async () => {
    const blocked = await fire(event, { country: "KP" });
    await go(page, `/trace/${blocked}`);
    await page.getByLabel("Diff against").fill(gb);
    await page.getByRole("button", { name: "Diff", exact: true }).click();
    await expect
      .poll(() => page.locator(".diff-summary").textContent())
      .toBe("A: block (blocked) · B: allow (success). Diverged at layer 0, Country gate (version).");
    // the first span that differs, in layer order: Country gate ran v3 here and v1 in the other
    expect(await page.locator('.span-diff tr[data-change="changed"] th').allTextContents()).toEqual([
      "Country gate",
      "Watcher",
      "After", // skipped after the block here, ran there
    ]);
  });
});
