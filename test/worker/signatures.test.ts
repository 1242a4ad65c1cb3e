// Signed trigger calls checked against signatures computed independently of the project's
// signBody: fixed vectors produced with the README's openssl recipe, and Node's createHmac in the
// test. Key rotation (several signatures in one header) and the exact ±300 s edges, with the
// isolate's clock faked (Date only) so no edge depends on how long a call takes.
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callWithEnv, TRIGGER, unique } from "./helpers";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TS = 1767225600; // 2026-01-01T00:00:00Z

/**
 * Computed with the README's recipe, outside this project:
 *   printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
 */
const VECTORS = [
  { body: '{"user":{"id":"u_1"}}', sig: "v1,s6HJjdDimIO62e5Vq2i2TqfqejJq/qdBKpZ1eedY1Bw=" },
  {
    body: '{"user":{"id":"u_1","email":"ünï@example.com"},"request":{"country":"KP"}}',
    sig: "v1,UPyaNjngakQWzaqW96lK4Yg1eJMtQCZWpvWSRXAcvMY=",
  },
];
/** The first vector's body signed with another key (same recipe, secret `rotated-secret-2`). */
const ROTATED = "v1,sSdHmnOWKiUc3uRakuSU3kR5hB1uAHh7SraVi8juF/I=";

/** The documented format, with Node's HMAC: v1,base64(HMAC-SHA256(secret, "<ts>.<body>")). */
const nodeSign = (secret: string, ts: number | string, body: string) =>
  `v1,${createHmac("sha256", secret).update(`${ts}.${body}`, "utf8").digest("base64")}`;

const event = unique("sig");
const post = (body: string, headers: Record<string, string>, secret = SECRET) =>
  callWithEnv({ TRIGGER_SIGNING_SECRET: secret }, "POST", `/v1/triggers/${event}`, {
    headers: { ...TRIGGER, "content-type": "application/json", ...headers },
    body,
  });
const signed = (ts: number | string, sig: string) => ({
  "webhook-timestamp": String(ts),
  "webhook-signature": sig,
});

async function expectRefused(res: Response) {
  expect(res.status).toBe(401);
  expect(((await res.json()) as any).error.code).toBe("UNAUTHORIZED");
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TS * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("signed trigger calls, independent vectors", () => {
  it("Node's HMAC of the documented format reproduces the openssl vectors", () => {
    for (const v of VECTORS) expect(nodeSign(SECRET, TS, v.body)).toBe(v.sig);
    expect(nodeSign("rotated-secret-2", TS, VECTORS[0]!.body)).toBe(ROTATED);
  });

  it("accepts each fixed vector", async () => {
    for (const v of VECTORS) expect((await post(v.body, signed(TS, v.sig))).status).toBe(200);
  });

  it("refuses a vector whose body, timestamp or secret differs by one character", async () => {
    const v = VECTORS[0]!;
    await expectRefused(await post(`${v.body} `, signed(TS, v.sig)));
    await expectRefused(await post(v.body, signed(TS + 1, v.sig)));
    await expectRefused(await post(v.body, signed(TS, v.sig), `${SECRET}x`));
    await expectRefused(await post(v.body, signed(TS, v.sig.replace("v1,", "v2,"))));
  });

  it("accepts rotation: the valid signature anywhere among several, space-separated", async () => {
    const v = VECTORS[0]!;
    for (const header of [`${ROTATED} ${v.sig}`, `${v.sig} ${ROTATED}`, `v1,AAAA ${ROTATED} ${v.sig}`]) {
      expect((await post(v.body, signed(TS, header))).status).toBe(200);
    }
    // Under the rotated key, the old-key signature alone is refused and the pair is accepted.
    await expectRefused(await post(v.body, signed(TS, v.sig), "rotated-secret-2"));
    expect((await post(v.body, signed(TS, `${v.sig} ${ROTATED}`), "rotated-secret-2")).status).toBe(200);
    await expectRefused(await post(v.body, signed(TS, `${ROTATED}x v1,AAAA`)));
  });

  it("accepts a timestamp exactly 300 s off either way and refuses 301 s", async () => {
    const body = '{"user":{"id":"edge"}}';
    for (const offset of [-300, 300]) {
      const ts = TS + offset;
      expect((await post(body, signed(ts, nodeSign(SECRET, ts, body)))).status).toBe(200);
    }
    for (const offset of [-301, 301]) {
      const ts = TS + offset;
      await expectRefused(await post(body, signed(ts, nodeSign(SECRET, ts, body))));
    }
  });
});
