// The console's chart library is served from the worker's own origin (public/console/vendor/):
// the copy must be byte for byte the pinned npm release, so an upgrade is one visible step.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url));

describe("vendored uPlot", () => {
  it("is pinned exactly and copied unchanged from node_modules", () => {
    const pkg = JSON.parse(read("package.json").toString());
    expect(pkg.devDependencies.uplot).toMatch(/^\d+\.\d+\.\d+$/);
    expect(JSON.parse(read("node_modules/uplot/package.json").toString()).version).toBe(
      pkg.devDependencies.uplot,
    );
    for (const file of ["uPlot.esm.js", "uPlot.min.css"]) {
      expect(read(`public/console/vendor/${file}`).equals(read(`node_modules/uplot/dist/${file}`))).toBe(
        true,
      );
    }
  });
});
