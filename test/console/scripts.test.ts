// The scripts pages in Chromium: the grid per trigger, the editor's compile check (the API's 422
// line marked in the gutter, as you type and on save), a fixed edit saved as version n+1, the
// version history, and a dry run of the draft.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, createScript, go, launch, openPage, signIn, stack, unique } from "./browser";

const event = unique("ui_scripts");
let browser: Browser;
let page: Page;
let scriptId: string;

beforeAll(async () => {
  scriptId = (
    await createScript({
      name: "Country gate",
      trigger_event: event,
      layer_index: 0,
      parallel_index: 0,
      source: "return {}",
    })
  ).id;
  await createScript({
    name: "Neighbour",
    trigger_event: event,
    layer_index: 0,
    parallel_index: 1,
    source: "return {}",
  });
  await createScript({
    name: "Second layer",
    trigger_event: event,
    layer_index: 1,
    parallel_index: 0,
    source: "return {}",
  });
  browser = await launch();
  ({ page } = await openPage(browser));
  await signIn(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const BROKEN =
  'local country = ctx.country\nif country == "KP" then\n  return { block = true, reason = "country" \nend';
const FIXED =
  'local country = ctx.country\nif country == "KP" then\n  return { block = true, reason = "country" }\nend';

describe("scripts", () => {
  it("shows each trigger's layers as a grid, scripts side by side", async () => {
    await go(page, "/scripts");
    const section = page.locator(`[data-trigger="${event}"]`);
    await section.waitFor();
    expect(await section.locator('[data-layer="0"] .cell').allTextContents()).toEqual([
      expect.stringContaining("Country gate"),
      expect.stringContaining("Neighbour"),
    ]);
    expect(await section.locator('[data-layer="1"] .cell').count()).toBe(1);
  });

  it("marks the line of a syntax error as you type, and refuses to save it", async () => {
    await go(page, "/scripts");
    // within this file's trigger: other files' triggers (same stack) may hold a "Country gate" too
    await page
      .locator(`[data-trigger="${event}"]`)
      .getByRole("link", { name: /Country gate/ })
      .click();
    const editor = page.getByLabel("Lua source");
    await editor.fill(BROKEN);
    const compile = page.locator(".compile");
    await expect.poll(() => compile.textContent()).toMatch(/^Line 4: /);
    expect(await page.locator(".gutter li.error").textContent()).toBe("4");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator(".save-status").textContent()).toContain("Not saved");
    expect(await page.locator(".gutter li.error").textContent()).toBe("4");
    expect((await adminApi("GET", `/v1/scripts/${scriptId}`)).body.current_version).toBe(1);
  });

  it("saves a fixed edit as version 2, listed in the history", async () => {
    await page.getByLabel("Lua source").fill(FIXED);
    await expect.poll(() => page.locator(".compile").textContent()).toBe("Compiles.");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator(".save-status").textContent()).toContain("Saved: version 2.");
    const saved = await adminApi("GET", `/v1/scripts/${scriptId}`);
    expect(saved.body).toMatchObject({ current_version: 2, source: FIXED });
    await expect
      .poll(() => page.locator(".versions li").allTextContents())
      .toEqual([expect.stringMatching(/^v2 · .* · current$/), expect.stringMatching(/^v1 · /)]);
    await page.getByRole("button", { name: "v1" }).click();
    await expect
      .poll(() => page.locator(".version-view .source li").allTextContents())
      .toEqual(["return {}"]);
  });

  it("refuses to overwrite a version saved elsewhere since the page loaded", async () => {
    await adminApi("PUT", `/v1/scripts/${scriptId}`, { source: "return { data = { elsewhere = true } }" });
    await page.getByLabel("Lua source").fill(FIXED);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator(".save-status").textContent()).toMatch(/^Not saved: .*version/);
    expect((await adminApi("GET", `/v1/scripts/${scriptId}`)).body).toMatchObject({ current_version: 3 });
    await page.reload();
    await expect
      .poll(() => page.getByLabel("Lua source").inputValue())
      .toBe("return { data = { elsewhere = true } }");
    await page.getByLabel("Lua source").fill(FIXED); // the draft the dry run below tries
  });

  it("dry-runs the draft in the editor against the trigger's other scripts", async () => {
    await page.getByLabel("Context (JSON)").fill('{"country":"KP"}');
    await page.getByRole("button", { name: "Dry run the draft" }).click();
    const out = page.locator(".dry-out");
    await expect
      .poll(() => out.locator("p").first().textContent())
      .toContain("decision block by Country gate: country");
    expect(await out.locator('[data-layer="0"] .bar').count()).toBe(2);
    expect(await out.locator('[data-layer="1"] .bar').getAttribute("data-status")).toBe("skipped");
  });
});

describe("a script that fetches", () => {
  it("shows its allowed hosts, and its dry run can turn HTTP off", async () => {
    const ev = unique("ui_fetch");
    const { id } = await createScript({
      name: "Fetcher",
      trigger_event: ev,
      layer_index: 0,
      parallel_index: 0,
      allowed_hosts: ["127.0.0.1"],
      timeout_ms: 800,
      source:
        'local ok, e = pcall(http.fetch, "http://127.0.0.1:9/x", { timeout_ms = 300 })\nif not ok then return { block = true, reason = e } end\nreturn {}',
    });
    await go(page, `/scripts/${id}`);
    await expect
      .poll(() => page.locator(".version-info").textContent())
      .toContain("may fetch 127.0.0.1 (timeout 800 ms)");
    await page.getByLabel("HTTP off (every http.fetch fails at once)").check();
    await page.getByRole("button", { name: "Dry run the draft" }).click();
    await expect
      .poll(() => page.locator(".dry-out p").first().textContent())
      .toContain("by Fetcher: http.fetch: HTTP is off for this run");
  });
});

describe("secrets by name", () => {
  const VALUE = "ui-secret-value-7f3a9c";

  it("sets a secret through a write-only field; the page lists its name, never its value", async () => {
    await go(page, `/scripts/${scriptId}`);
    const card = page.getByRole("region", { name: "Secrets" });
    await expect.poll(() => card.getByRole("status").textContent()).toBe("No secrets yet.");
    await card.getByLabel("Name", { exact: true }).fill("UI_API_KEY");
    await card.getByLabel("Value (write-only)").fill(VALUE);
    expect(await card.getByLabel("Value (write-only)").getAttribute("type")).toBe("password");
    await card.getByRole("button", { name: "Set secret" }).click();
    await expect.poll(() => card.getByRole("status").textContent()).toBe("Secret UI_API_KEY set.");
    expect(await card.locator("li").allTextContents()).toEqual([
      expect.stringMatching(/^UI_API_KEY · set .* · key dev/),
    ]);
    expect(await card.getByLabel("Value (write-only)").inputValue()).toBe("");
    expect(await page.content()).not.toContain(VALUE);
    const stored = await adminApi("GET", `/v1/scripts/${scriptId}/secrets`);
    expect(stored.body.secrets.map((s: { name: string }) => s.name)).toEqual(["UI_API_KEY"]);
  });

  it("shows the API's refusal of a bad name and sets nothing", async () => {
    const card = page.getByRole("region", { name: "Secrets" });
    await card.getByLabel("Name", { exact: true }).evaluate((el) => el.removeAttribute("pattern")); // past the browser's own check
    await card.getByLabel("Name", { exact: true }).fill("lower_case");
    await card.getByLabel("Value (write-only)").fill(VALUE);
    await card.getByRole("button", { name: "Set secret" }).click();
    await expect.poll(() => card.getByRole("alert").textContent()).toMatch(/^Not set: .*\^\[A-Z\]/);
    expect((await adminApi("GET", `/v1/scripts/${scriptId}/secrets`)).body.secrets).toHaveLength(1);
  });

  it("deletes a secret only after the confirmation is accepted", async () => {
    await adminApi("PUT", `/v1/scripts/${scriptId}/secrets/UI_OTHER_KEY`, { value: VALUE });
    await page.reload();
    const card = page.getByRole("region", { name: "Secrets" });
    const other = card.locator('li[data-secret="UI_OTHER_KEY"]');
    await other.waitFor();
    const names = async () =>
      (await adminApi("GET", `/v1/scripts/${scriptId}/secrets`)).body.secrets.map(
        (s: { name: string }) => s.name,
      );
    const ask = page.getByRole("dialog", { name: "Delete UI_OTHER_KEY?" });
    await other.getByRole("button", { name: "Delete" }).click();
    await ask.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect(await names()).toEqual(["UI_API_KEY", "UI_OTHER_KEY"]);
    await other.getByRole("button", { name: "Delete" }).click();
    await ask.getByRole("button", { name: "Delete it" }).click();
    await expect.poll(() => card.getByRole("status").textContent()).toBe("Secret UI_OTHER_KEY deleted.");
    expect(await names()).toEqual(["UI_API_KEY"]);
    expect(await card.locator("li").count()).toBe(1);
  });
});

describe("a read-only token", () => {
  it("sees scripts and traces but no edit controls, and is told why", async () => {
    const { page: reader, context } = await openPage(browser);
    await signIn(reader, stack.readerToken);
    expect(
      await reader.evaluate(() => JSON.parse(sessionStorage.getItem("hookline.scopes") ?? "[]")),
    ).toEqual(["traces:read", "scripts:read"]);
    await go(reader, `/scripts/${scriptId}`);
    const editor = reader.getByLabel("Lua source");
    await editor.waitFor();
    expect(await editor.getAttribute("readonly")).not.toBeNull();
    expect(await reader.getByRole("button", { name: "Save" }).count()).toBe(0);
    expect(await reader.getByRole("button", { name: "Dry run the draft" }).count()).toBe(0);
    const editorCard = reader.getByRole("region", { name: "Editor" });
    expect(await editorCard.locator(".readonly-note").textContent()).toContain(
      "lacks the 'scripts:write' scope",
    );
    // secret names are readable with scripts:read; setting and deleting need secrets:write
    const secretsCard = reader.getByRole("region", { name: "Secrets" });
    await expect
      .poll(() => secretsCard.locator("li").allTextContents())
      .toEqual([expect.stringContaining("UI_API_KEY")]);
    expect(await secretsCard.getByRole("button", { name: "Delete" }).count()).toBe(0);
    expect(await secretsCard.getByRole("form", { name: "Set a secret" }).count()).toBe(0);
    expect(await secretsCard.locator(".readonly-note").textContent()).toContain(
      "lacks the 'secrets:write' scope",
    );
    // a page the token cannot use at all says so, and its link is marked
    expect(await reader.locator('#nav a[data-section="retention"]').getAttribute("title")).toContain("'ops'");
    await go(reader, "/retention");
    await expect.poll(() => reader.getByRole("alert").textContent()).toContain("lacks the 'ops' scope");
    expect(await reader.getByRole("button", { name: "Clean up now" }).count()).toBe(0);
    await context.close();
  });
});
