// Layouts in Chromium on the seeded example pipeline: at 360 px and 1440 px nothing is wider than
// the window, the keyboard reaches the navigation with a visible focus ring, and screenshots of
// the main views (light and dark) are saved under .test-results/console/ (the README's images
// are copies of these).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSampleContexts } from "../../tools/seed";
import { fire, go, launch, openPage, signIn } from "./browser";

const OUT = join(process.cwd(), ".test-results", "console");
let browser: Browser;
let blocked: string;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  const samples = readSampleContexts();
  await fire("before_signin", samples.allowed);
  blocked = await fire("before_signin", samples.blocked);
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** How far the page is wider than the window (0 when nothing overflows sideways). */
const overflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

async function traceView(page: Page) {
  await go(page, `/trace/${blocked}`);
  await page.getByRole("button", { name: /Risk Threshold/ }).click();
  await page.locator(".inspector .source li").first().waitFor();
}

describe.each([
  { width: 360, height: 780 },
  { width: 1440, height: 900 },
])("at $width px", ({ width, height }) => {
  it("fits the window and saves screenshots of traces, a trace, scripts and stats", async () => {
    const { page, context, guard } = await openPage(browser, { width, height });
    await signIn(page);
    await page.locator("table.traces tbody tr").first().waitFor();
    expect(await overflow(page)).toBe(0);
    await page.screenshot({ path: join(OUT, `traces-${width}.png`) });

    await traceView(page);
    expect(await overflow(page)).toBe(0);
    await page.screenshot({ path: join(OUT, `trace-${width}.png`), fullPage: width > 400 });

    await go(page, "/scripts");
    await page.locator('[data-trigger="before_signin"] .cell').first().waitFor();
    expect(await overflow(page)).toBe(0);
    await page.screenshot({ path: join(OUT, `scripts-${width}.png`) });

    await go(page, "/stats?trigger_event=before_signin");
    await page.locator("figure[data-drawn]").first().waitFor();
    expect(await overflow(page)).toBe(0);
    await page.screenshot({ path: join(OUT, `stats-${width}.png`) });
    expect(guard.errors).toEqual([]);
    await context.close();
  });
});

describe("keyboard and colour scheme", () => {
  it("Tab reaches the navigation with a visible focus ring; Enter follows it", async () => {
    const { page, context } = await openPage(browser);
    await signIn(page);
    await page.reload(); // a fresh document: the first Tab starts at the top
    await page.locator("table.traces tbody tr").first().waitFor();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return {
        text: el.textContent,
        outline: style.outlineStyle,
        width: Number.parseFloat(style.outlineWidth),
      };
    });
    expect(focused).toEqual({ text: "Traces", outline: "solid", width: 3 });
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => location.hash)).toBe("#/scripts");
    await context.close();
  });

  it("follows prefers-color-scheme: dark", async () => {
    const { page, context } = await openPage(browser, { colorScheme: "dark" });
    await signIn(page);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe("rgb(13, 17, 23)");
    await traceView(page);
    await page.screenshot({ path: join(OUT, "trace-1440-dark.png") });
    await context.close();
  });
});
