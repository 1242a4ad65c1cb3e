// The served OpenAPI document, validated whole by a standard validator (@apidevtools/swagger-parser,
// OpenAPI 3.1 schema + structural checks). Runs in Node: the validator compiles schemas with
// `new Function`, which workerd forbids. The app is the same createApp() the worker serves.
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

const env = { TURSO_DATABASE_URL: "http://127.0.0.1:9", ADMIN_TOKEN: "node-admin-token", LOG_LEVEL: "warn" };

async function servedDocument(): Promise<Record<string, any>> {
  const res = await createApp().request(
    "/openapi.json",
    { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } },
    env,
  );
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await servedDocument();
    expect(doc.openapi).toBe("3.1.0");
    // validate() dereferences in place: hand it a copy so the assertions below see the original.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it("carries no keys that are not OpenAPI (no route middleware leaking into operations)", async () => {
    const doc = await servedDocument();
    const allowed = new Set([
      "tags",
      "summary",
      "description",
      "externalDocs",
      "operationId",
      "parameters",
      "requestBody",
      "responses",
      "callbacks",
      "deprecated",
      "security",
      "servers",
    ]);
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        const extra = Object.keys(op).filter((k) => !allowed.has(k) && !k.startsWith("x-"));
        expect(extra, `${method.toUpperCase()} ${path}`).toEqual([]);
      }
    }
  });
});
