// Placeholder until the local server lands (replaced in the foundation work).
import type { TestProject } from "vitest/node";
export default async function setup(project: TestProject) {
  project.provide("dbUrl", "http://127.0.0.1:1");
}
