/**
 * Two streams at once: one holds a write transaction while another writes. The second waits
 * (SQLITE_BUSY retried asynchronously, never blocking the event loop) and succeeds after the
 * first commits.
 */
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestServer, type TestServer } from "./helpers";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ testControls: true });
});

afterAll(async () => {
  await server.stop();
});

/** Requests the server has received and not yet answered. */
const inFlight = async () =>
  ((await (await fetch(`${server.url}/_test/stats`)).json()) as { in_flight: number }).in_flight;

it("a writer waits for another stream's write transaction without blocking the event loop", async () => {
  const a = createClient({ url: server.url, intMode: "bigint" });
  const b = createClient({ url: server.url, intMode: "bigint" });
  await a.execute("CREATE TABLE log (who TEXT, at INTEGER)");

  const tx = await a.transaction("write");
  await tx.execute("INSERT INTO log VALUES ('a', 1)");

  // Settled either way: a second writer that failed at once (SQLITE_BUSY) must show here too.
  let secondSettled = false;
  const second = b.execute("INSERT INTO log VALUES ('b', 2)").finally(() => {
    secondSettled = true;
  });

  // The second request is on the server, unanswered: it waits for the lock.
  await eventually(async () => (await inFlight()) === 1);
  // While it waits, timers keep firing and other requests get served.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  await eventually(() => ticks >= 10);
  clearInterval(timer);
  const health = await fetch(`${server.url}/health`);
  expect(health.status).toBe(200);
  const read = await b.execute("SELECT count(*) FROM log");
  expect(read.rows[0]?.[0]).toBe(0n);
  expect(await inFlight()).toBe(1);
  expect(secondSettled).toBe(false);

  await tx.execute("INSERT INTO log VALUES ('a', 3)");
  await tx.commit();
  const res = await second;
  expect(res.rowsAffected).toBe(1);

  const rows = await a.execute("SELECT who, at FROM log ORDER BY at");
  expect(rows.rows.map((r) => [r.who, r.at])).toEqual([
    ["a", 1n],
    ["b", 2n],
    ["a", 3n],
  ]);
  a.close();
  b.close();
});

it("many concurrent writers on separate streams all succeed", async () => {
  const client = createClient({ url: server.url, intMode: "bigint" });
  await client.execute("CREATE TABLE counter (n INTEGER)");
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      client.batch([{ sql: "INSERT INTO counter VALUES (?)", args: [BigInt(i)] }], "write"),
    ),
  );
  const res = await client.execute("SELECT count(*), sum(n) FROM counter");
  expect(Array.from(res.rows[0] ?? [])).toEqual([20n, 190n]);
  client.close();
});
