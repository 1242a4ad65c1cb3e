/**
 * The validation hook shared by every route: a zod failure becomes a 400 in the error shape
 * that names the first offending field (e.g. `field: "layer_index"`), with all issues in details.
 */
import type { Hook } from "@hono/zod-openapi";
import { errorBody } from "../errors";
import type { AppEnv } from "../types";

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
}

/** Joins a zod issue path into a field name such as `scripts.0.source`. */
export function fieldName(path: PropertyKey[], target?: string): string {
  const joined = path.map(String).join(".");
  return joined || target || "body";
}

export const validationHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (result.success) return;
  const issues = (result.error as { issues: ZodIssueLike[] }).issues;
  const first = issues[0];
  const target = (result as { target?: string }).target;
  const field = first ? fieldName(first.path, target) : (target ?? "body");
  const where = target === "query" ? "query parameter" : target === "param" ? "path parameter" : "field";
  const message = first ? `Invalid ${where} '${field}': ${first.message}` : "Invalid request";
  const details = issues.map((i) => ({ field: fieldName(i.path, target), message: i.message }));
  return c.json(errorBody("VALIDATION_FAILED", message, c.get("requestId"), { field, details }), 400);
};
