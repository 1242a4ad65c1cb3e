/**
 * `POST /v1/scripts/check` (scope `scripts:write`): compiles a Lua source without saving or running it, so
 * an editor can check a draft as it is typed. 200 `{ ok: true }`, or the same 422 (with `line`
 * and `message` in `details`) that saving the source would answer.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { MAX_SOURCE_BYTES } from "../schemas/scripts";
import type { App } from "../types";
import { assertCompiles } from "./script-fields";

const CheckBody = z
  .object({ source: z.string().min(1, "must not be empty").max(MAX_SOURCE_BYTES) })
  .strict()
  .openapi("CheckScript");

const route = createRoute({
  method: "post",
  path: "/v1/scripts/check",
  tags: ["scripts"],
  ...scoped("scripts:write", ...jsonObjectBody(MAX_SOURCE_BYTES * 4)),
  summary: "Compile a Lua source without saving it",
  request: { body: jsonBody(CheckBody) },
  responses: {
    200: jsonResponse(z.object({ ok: z.literal(true) }), "It compiles"),
    ...errorResponses(400, 401, 413, 415, 422),
  },
});

/** Registers `POST /v1/scripts/check`. */
export function registerScriptCheck(app: App): void {
  app.openapi(route, (c) => {
    assertCompiles(c.req.valid("json").source);
    return c.json({ ok: true as const }, 200);
  });
}
