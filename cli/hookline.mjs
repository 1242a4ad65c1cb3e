#!/usr/bin/env node
// `npx hookline …`: the CLI's entry. Registers tsx (TypeScript in Node, no build step), then
// runs cli/main.ts with the arguments; main sets the exit code.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
