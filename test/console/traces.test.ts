// The console in Chromium: sign-in, the trace list with its filters in the URL, the live tail,
// one trace's layered waterfall (a blocked layer, a failed script, a skipped layer), the span
// inspector (logs, error line, source at the version that ran), an outbound HTTP call nested in
// its script's bar (the example pipeline's demo reputation lookup) and the OTLP download.
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScript, fire, go, launch, openPage, signIn, stack, unique } from "./browser";

const event = unique("ui_traces");
let browser: Browser;
let page: Page;
let blockedId: string;
let allowedId: string;

beforeAll(async () => {
  const slot = (layer_index: number, parallel_index: number, name: string, source: string) =>
    createScript({ name, trigger_event: event, layer_index, parallel_index, source });
  await slot(0, 0, "Logger", 'log("hello from the logger", ctx.user.id)\nreturn { data = { seen = true } }');
  await slot(0, 1, "Blocker", 'if ctx.block then return { block = true, reason = "asked to" } end');
  await slot(0, 2, "Broken", "local t = nil\nreturn t.field");
  await slot(1, 0, "Late A", "return {}");
  await slot(1, 1, "Late B", "return {}");
  blockedId = await fire(event, { user: { id: "u_block" }, block: true });
  allowedId = await fire(event, { user: { id: "u_allow" }, block: false });
  browser = await launch();
  ({ page } = await openPage(browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const rowIds = (p: Page) =>
  p.locator("table.traces tbody tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.trace));

describe("sign-in", () => {
  it("refuses a wrong token with the server's reason and keeps nothing", async () => {
    await page.goto(`${stack.url}/console/`);
    await page.getByLabel("Token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toContain("The server refused this token");
    expect(await alert.textContent()).toContain("Invalid bearer token");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.locator("#nav").isHidden()).toBe(true);
  });

  it("accepts the admin token, keeps it in sessionStorage only, and sets no cookie", async () => {
    await signIn(page);
    expect(await page.evaluate(() => sessionStorage.getItem("hookline.token"))).toBe(stack.adminToken);
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.locator("#nav").isVisible()).toBe(true);
  });
});

describe("traces", () => {
  it("lists the traces of a filter; a status filter updates the URL and the rows", async () => {
    await go(page, `/traces?trigger_event=${event}`);
    await expect.poll(() => rowIds(page)).toEqual([allowedId, blockedId]);
    await page.getByLabel("Status").selectOption("blocked");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(() => page.evaluate(() => location.hash))
      .toBe(`#/traces?trigger_event=${event}&status=blocked`);
    await expect.poll(() => rowIds(page)).toEqual([blockedId]);
    // the URL alone rebuilds the view (a shared link)
    await page.reload();
    await expect.poll(() => rowIds(page)).toEqual([blockedId]);
    expect(await page.getByLabel("Status").inputValue()).toBe("blocked");
  });

  it("filters by decision, the answer given, from the form and from a shared link", async () => {
    await go(page, `/traces?trigger_event=${event}`);
    await expect.poll(() => rowIds(page)).toHaveLength(2);
    await page.getByLabel("Decision").selectOption("allow");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(() => page.evaluate(() => location.hash))
      .toBe(`#/traces?trigger_event=${event}&decision=allow`);
    await expect.poll(() => rowIds(page)).toEqual([allowedId]);
    await go(page, `/traces?trigger_event=${event}&decision=block`);
    await expect.poll(() => rowIds(page)).toEqual([blockedId]);
    expect(await page.getByLabel("Decision").inputValue()).toBe("block");
  });

  it("live tail shows a trace that arrives after the page loaded", async () => {
    await go(page, `/traces?trigger_event=${event}`);
    await expect.poll(() => rowIds(page)).toHaveLength(2);
    await page.getByLabel("Live tail").check();
    await expect.poll(() => page.evaluate(() => location.hash)).toContain("tail=1");
    await expect.poll(() => rowIds(page)).toHaveLength(2);
    const later = await fire(event, { user: { id: "u_later" } });
    await expect.poll(() => rowIds(page), { timeout: 15_000 }).toEqual([later, allowedId, blockedId]);
    await page.getByLabel("Live tail").uncheck();
    await expect.poll(() => page.evaluate(() => location.hash)).not.toContain("tail=1");
  });
});

describe("one trace", () => {
  it("draws a bar per script in its layer row, the blocked layer coloured, the next layer skipped", async () => {
    // a fresh document: a request still due from the previous view (same document, other hash)
    // must not be counted as this view's
    await page.goto("about:blank");
    const apiCalls: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (r.url().includes("/v1/")) apiCalls.push(new URL(r.url()).pathname);
    };
    page.on("request", onRequest);
    await go(page, `/trace/${blockedId}`);
    await page.locator(".bar").first().waitFor();
    const layer0 = page.locator('[data-layer="0"] .bar');
    const layer1 = page.locator('[data-layer="1"] .bar');
    expect(await layer0.count()).toBe(3);
    expect(await layer1.count()).toBe(2);
    expect(await layer0.evaluateAll((bars) => bars.map((b) => (b as HTMLElement).dataset.status))).toEqual([
      "success",
      "blocked",
      "error",
    ]);
    expect(await layer1.evaluateAll((bars) => bars.map((b) => (b as HTMLElement).dataset.status))).toEqual([
      "skipped",
      "skipped",
    ]);
    expect(await page.locator('[data-layer="1"]').getAttribute("class")).toContain("skipped");
    // every span came with the one trace request: no round trip per span
    expect(apiCalls).toEqual([`/v1/traces/${blockedId}`]);
    page.off("request", onRequest);
  });

  it("inspects a span: its logs, and for a failed script the error line in the source that ran", async () => {
    await go(page, `/trace/${blockedId}`);
    await page.getByRole("button", { name: /Logger/ }).click();
    const inspector = page.getByRole("complementary", { name: "Span inspector" });
    await expect
      .poll(() => inspector.locator(".logs li").allTextContents())
      .toEqual(["hello from the logger u_block"]);
    await page.getByRole("button", { name: /Broken/ }).click();
    await expect.poll(() => inspector.locator(".error-at").textContent()).toBe("line 2");
    await expect.poll(() => inspector.locator(".source li.error-line").textContent()).toBe("return t.field");
  });

  it("the keyboard reaches and opens a bar", async () => {
    await go(page, `/trace/${allowedId}`);
    const bar = page.getByRole("button", { name: /Logger/ });
    await bar.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => bar.getAttribute("aria-pressed")).toBe("true");
    await expect
      .poll(() => page.locator(".inspector .logs li").allTextContents())
      .toEqual(["hello from the logger u_allow"]);
  });

  it("nests a script's outbound HTTP call in its bar, with the call's own duration, and lists it in the inspector", async () => {
    // the example pipeline npm start seeded: IP Reputation calls the demo reputation API
    const manifest = JSON.parse(
      await readFile(new URL("../../examples/scripts/manifest.json", import.meta.url), "utf8"),
    );
    const traceId = await fire("before_signin", manifest.sample_contexts.allowed);
    await go(page, `/trace/${traceId}`);
    const reputation = page.getByRole("button", { name: /IP Reputation/ });
    await reputation.waitFor();
    const calls = reputation.locator(".call");
    expect(await calls.count()).toBe(1);
    expect(await calls.first().getAttribute("class")).toBe("call st-success");
    expect(await calls.first().locator(".call-name").textContent()).toMatch(/^GET .* · \d+\.\d+ ms$/);
    // the call's track sits inside the waterfall's time axis
    const width = await calls
      .first()
      .locator(".track .fill")
      .evaluate((el) => Number.parseFloat((el as HTMLElement).style.width));
    expect(width).toBeGreaterThan(0);
    expect(width).toBeLessThanOrEqual(100);
    // no other script of the pipeline called out
    expect(await page.locator(".bar .call").count()).toBe(1);
    await reputation.click();
    const inspector = page.getByRole("complementary", { name: "Span inspector" });
    await expect.poll(() => inspector.locator(".calls > li").count()).toBe(1);
    expect(await inspector.locator(".calls > li").first().textContent()).toMatch(/^GET .* · success/);
  });

  it("downloads the trace as OTLP JSON", async () => {
    await go(page, `/trace/${blockedId}`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download OTLP JSON" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`trace-${blockedId}.otlp.json`);
    const otlp = JSON.parse(await readFile((await download.path()) as string, "utf8"));
    const spans = otlp.resourceSpans[0].scopeSpans[0].spans;
    expect(spans.every((s: { traceId: string }) => s.traceId === blockedId)).toBe(true);
    expect(spans).toHaveLength(6); // the root span and five script spans
  });
});

describe("stats over time", () => {
  it("draws the trigger's calls, rates and per-script instructions p95 from the series", async () => {
    const answers: string[] = [];
    const onResponse = (r: { url(): string; status(): number }) => {
      if (r.url().includes("/v1/stats")) answers.push(`${new URL(r.url()).pathname} ${r.status()}`);
    };
    page.on("response", onResponse);
    await go(page, `/stats?trigger_event=${event}`);
    const section = page.locator(`.stats-trigger[data-trigger="${event}"]`);
    await section.waitFor();
    for (const kind of ["calls", "rates", "instructions"]) {
      await section.locator(`[data-series="${kind}"] figure[data-drawn="true"] canvas`).first().waitFor();
    }
    expect(await section.locator('[data-series="calls"] figcaption').textContent()).toMatch(
      /^Calls, blocked, errors · per \d+ (min|h)$/,
    );
    // no script here called out or ran in shadow: those charts are left out, not drawn empty
    expect(await section.locator('[data-series="http"]').count()).toBe(0);
    expect(await section.locator('[data-series="would-block"]').count()).toBe(0);
    expect(answers.sort()).toEqual(["/v1/stats 200", "/v1/stats/series 200"]);
    page.off("response", onResponse);
  });
});
