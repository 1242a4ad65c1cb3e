/**
 * `npx tsx bench/demo-api-child.ts`: the DEMO reputation API of `npm start` (tools/demo-api.ts)
 * as its own process on a free 127.0.0.1 port, for the bench stack (bench/stack.ts): its answers
 * then cost the bench client's event loop nothing. Prints `ready at <url>`; stops on SIGTERM.
 */
import { startDemoApi } from "../tools/demo-api";

const demo = await startDemoApi(0);
console.log(`ready at ${demo.url}`);
process.on("SIGTERM", () => void demo.close().finally(() => process.exit(0)));
