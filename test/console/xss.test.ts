// Hostile data in Chromium: a script named like an HTML payload, logs, outputs and context values
// holding <script> and javascript: strings. Every page that shows them must render them as text:
// no dialog, no element built from them, no request leaving the origin, and the CSP in force.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScript, fire, type Guard, go, launch, openPage, signIn, stack, unique } from "./browser";

const NAME = "<img src=x onerror=alert(1)>";
const LOG = "<script>alert(2)</script>";
const LINK = "javascript:alert(3)";
const event = unique("ui_xss");
let browser: Browser;
let page: Page;
let guard: Guard;
let traceId: string;
let scriptId: string;

beforeAll(async () => {
  const source = `log(${JSON.stringify(LOG)}, ctx.note)\nreturn { data = { link = ${JSON.stringify(LINK)}, html = ctx.note } }`;
  scriptId = (
    await createScript({ name: NAME, trigger_event: event, layer_index: 0, parallel_index: 0, source })
  ).id;
  traceId = await fire(event, {
    user: { id: LOG },
    note: `<svg onload=alert(4)> ${LINK}`,
    request: { ip: "203.0.113.9" },
  });
  browser = await launch();
  ({ page, guard } = await openPage(browser));
  await signIn(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Elements that only the payloads could have created. */
const injected = (p: Page) =>
  p.evaluate(() => ({
    imgs: document.querySelectorAll("img").length,
    svgs: document.querySelectorAll("svg").length,
    scripts: [...document.scripts].map((s) => s.getAttribute("src")),
    jsLinks: [...document.querySelectorAll("a")].filter((a) => a.href.startsWith("javascript:")).length,
  }));

const clean = { imgs: 0, svgs: 0, scripts: ["js/main.js"], jsLinks: 0 };

describe("hostile values render as text", () => {
  it("the console is served with a strict Content-Security-Policy", async () => {
    const res = await page.goto(`${stack.url}/console/`);
    const csp = res?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    // and it is enforced: an inline script and a cross-origin fetch are both refused
    const probe = await page.evaluate(async () => {
      const s = document.createElement("script");
      s.textContent = "window.__inlineRan = true";
      document.body.append(s);
      s.remove();
      let fetched = "sent";
      await fetch("http://127.0.0.2:9/").catch(() => (fetched = "refused"));
      return { inline: (window as { __inlineRan?: boolean }).__inlineRan === true, fetched };
    });
    expect(probe).toEqual({ inline: false, fetched: "refused" });
    expect(guard.foreign).toEqual([]);
  });

  it("in the list, the trace, the inspector, the scripts grid, the editor and the stats", async () => {
    await go(page, `/traces?trigger_event=${event}`);
    await page.getByRole("cell", { name: LOG, exact: true }).waitFor();
    expect(await injected(page)).toEqual(clean);

    await go(page, `/trace/${traceId}`);
    await page.getByRole("button", { name: new RegExp(NAME.replace(/[()]/g, "\\$&")) }).click();
    const logs = page.locator(".inspector .logs li");
    await expect.poll(() => logs.allTextContents()).toEqual([`${LOG} <svg onload=alert(4)> ${LINK}`]);
    expect(await page.locator(".inspector h2").textContent()).toBe(NAME);
    expect(await page.locator(".inspector pre.json").first().textContent()).toContain(LINK);
    await page.getByText("Context", { exact: true }).click();
    expect(await injected(page)).toEqual(clean);

    await go(page, "/scripts");
    await page.locator(`[data-script="${scriptId}"]`).waitFor();
    expect(await page.locator(`[data-script="${scriptId}"] .bar-name`).textContent()).toBe(NAME);
    await page.locator(`[data-script="${scriptId}"]`).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe(NAME);
    expect(await injected(page)).toEqual(clean);

    await go(page, `/stats?trigger_event=${event}`);
    await page.locator("figure[data-drawn]").first().waitFor();
    // the per-script table's row, and the over-time charts' legend (uPlot sets textContent)
    expect(await page.locator(".table-wrap").getByRole("rowheader", { name: NAME }).count()).toBe(1);
    await page.locator('[data-series="instructions"] figure[data-drawn="true"]').waitFor();
    expect(await page.locator('[data-series="instructions"] .u-legend').textContent()).toContain(NAME);
    expect(await injected(page)).toEqual(clean);

    expect(guard.dialogs).toEqual([]);
    expect(guard.foreign).toEqual([]);
    expect(guard.errors).toEqual([]);
  });
});
