// The example before_signin pipeline (examples/scripts): an allowed and a blocked sign-in.
import { describe, expect, it } from "vitest";
import { checkSource, ScriptEngine } from "../../src/engine";
import { exampleScripts, manifest } from "./examples";

describe("example pipeline", () => {
  const engine = new ScriptEngine();
  const scripts = exampleScripts();

  it("is 3 layers x 3 scripts that all compile", async () => {
    expect(scripts).toHaveLength(9);
    expect(new Set(scripts.map((s) => s.layerIndex))).toEqual(new Set([0, 1, 2]));
    for (const s of scripts) expect(checkSource(s.source), s.name).toEqual({ ok: true });
  });

  it("allows a known device from a good address", async () => {
    const { result, spans } = await engine.run({
      triggerEvent: "before_signin",
      context: manifest.sample_contexts.allowed,
      scripts,
      insecureHttpHosts: ["127.0.0.1"], // allowed as under npm start, but no ports given: HTTP is off
    });
    expect(result).toMatchObject({ status: "success", decision: "allow", blocked_by: null, errors: [] });
    expect(result.data).toMatchObject({
      device: { id: "d-1", new: false },
      risk: { score: 0, factors: [] },
      ip: { reputation: "ok" },
      require_mfa: false,
      tags: ["risk-0"],
    });
    const [calls, scriptSpans] = [
      spans.filter((s) => s.kind === "CLIENT"),
      spans.filter((s) => s.kind !== "CLIENT"),
    ];
    expect(scriptSpans.every((s) => s.status === "success")).toBe(true);
    // No ports given: HTTP is off, so IP Reputation's demo call fails at once and its list decides.
    expect(calls.map((s) => [s.name, s.status, JSON.parse(s.attributes as string)["error.type"]])).toEqual([
      ["GET 127.0.0.1", "error", "http_off"],
    ]);
    expect(result.data.ip).toMatchObject({ source: "static list" });
  });

  it("blocks a risky sign-in in layer 2 using prev.risk", async () => {
    const { result, spans } = await engine.run({
      triggerEvent: "before_signin",
      context: manifest.sample_contexts.blocked,
      scripts,
    });
    expect(result).toMatchObject({
      status: "blocked",
      decision: "block",
      blocked_by: { name: "Risk Threshold", reason: "risk score 80 >= 70" },
    });
    expect(result.data).toMatchObject({
      risk: { score: 80, factors: ["new_device", "failed_attempts", "suspicious_user_agent"] },
      ip: { reputation: "bad" },
    });
    expect(spans.filter((s) => s.kind !== "CLIENT").map((s) => s.status)).toEqual([
      "success",
      "success",
      "success",
      "success",
      "success",
      "success",
      "blocked",
      "success",
      "success",
    ]);
  });

  it("blocks in layer 0 (geo) and skips every later layer", async () => {
    const ctx = {
      ...manifest.sample_contexts.allowed,
      request: { ...manifest.sample_contexts.allowed.request, country: "KP" },
    };
    const { result, spans } = await engine.run({ triggerEvent: "before_signin", context: ctx, scripts });
    expect(result.blocked_by?.name).toBe("Geo Blocker");
    expect(spans.filter((s) => s.status === "skipped")).toHaveLength(6);
  });
});
