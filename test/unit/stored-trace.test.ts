// The compact stored shape and its inverse: a script span's full attributes are rebuilt from the
// trace's context and per-layer prev; other spans (CLIENT) and malformed attributes pass through.
import { describe, expect, it } from "vitest";
import { expandSpanAttributes, layerPrevOf, traceInputs } from "../../src/engine/stored-trace";

const inputs = traceInputs({
  contextSnapshot: JSON.stringify({ user: { id: "u1" } }),
  layerPrev: JSON.stringify({ 0: {}, 2: { a: 1 } }),
});

describe("stored trace shape", () => {
  it("rebuilds input, version, settings, instructions and empty logs of a script span", () => {
    const full = expandSpanAttributes(
      JSON.stringify({ output: { data: { b: 2 } } }),
      {
        kind: "INTERNAL",
        layerIndex: 2,
        scriptVersion: 4,
        onError: "block",
        instructionBudget: 9,
        instructions: 5,
      },
      inputs,
    );
    expect(JSON.parse(full as string)).toEqual({
      script_version: 4,
      on_error: "block",
      instruction_budget: 9,
      instructions: 5,
      input: { ctx: { user: { id: "u1" } }, prev: { a: 1 } },
      output: { data: { b: 2 } },
      logs: [],
      logs_dropped: 0,
    });
  });

  it("leaves CLIENT spans, non-object and missing attributes as they are", () => {
    const client = JSON.stringify({ "http.request.method": "GET", "server.address": "api.example" });
    expect(expandSpanAttributes(client, { kind: "CLIENT", layerIndex: 0 }, inputs)).toBe(client);
    expect(expandSpanAttributes("not json", { layerIndex: 0 }, inputs)).toBe("not json");
    expect(expandSpanAttributes(null, { layerIndex: 0 }, inputs)).toBeNull();
  });

  it("keeps the first prev seen per layer", () => {
    const spec = (layerIndex: number) => ({ layerIndex });
    expect(
      layerPrevOf([
        { spec: spec(0), prev: {} },
        { spec: spec(0), prev: { x: 1 } },
        { spec: spec(1), prev: { y: 2 } },
      ]),
    ).toEqual({ 0: {}, 1: { y: 2 } });
  });
});
