/**
 * The DEMO reputation API that `npm start` serves on 127.0.0.1 for the example pipeline's IP
 * Reputation script (made-up answers from http-test-server/demo-reputation.ts; not a real
 * service). `GET /reputation?ip=…` answers `{ ip, reputation, score, demo: true }`; anything
 * else is a 404.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { reputationOf } from "./http-test-server/demo-reputation";

export interface DemoApi {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0 = any free port); rejects when the port is taken. */
export async function startDemoApi(port: number): Promise<DemoApi> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const found = req.method === "GET" && url.pathname === "/reputation";
    const body = JSON.stringify(
      found ? reputationOf(url.searchParams.get("ip") ?? "") : { error: "not found" },
    );
    res.writeHead(found ? 200 : 404, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
