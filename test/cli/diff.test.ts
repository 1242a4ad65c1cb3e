// cli/diff.ts: the unified diffs `hookline plan` prints. A known case exactly, and 300 seeded
// random edits whose hunks, applied line by line, rebuild the new text from the old one.
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../cli/diff";

/** Applies a unified diff strictly (every context and removed line must match). */
function applyDiff(before: string, diff: string): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let pos = 0;
  const lines = diff.replace(/\n$/, "").split("\n").slice(2);
  for (let i = 0; i < lines.length; i++) {
    const h = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i] as string);
    if (!h) throw new Error(`expected a hunk header, got ${lines[i]}`);
    const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1;
    while (pos < start) out.push(a[pos++] as string);
    while (i + 1 < lines.length && !(lines[i + 1] as string).startsWith("@@")) {
      const line = lines[++i] as string;
      const [kind, text] = [line[0], line.slice(1)];
      if (kind === "\\") continue;
      if (kind === "+") out.push(text);
      else {
        if (a[pos] !== text)
          throw new Error(`line ${pos + 1}: expected ${JSON.stringify(text)}, got ${JSON.stringify(a[pos])}`);
        if (kind === " ") out.push(text);
        pos++;
      }
    }
  }
  while (pos < a.length) out.push(a[pos++] as string);
  return out.length ? `${out.join("\n")}\n` : "";
}

function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe("unifiedDiff", () => {
  it("prints -/+ lines with 3 lines of context and hunk headers", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
    const after = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
    expect(unifiedDiff(before, after, "old", "new")).toBe(
      [
        "--- old",
        "+++ new",
        "@@ -1,5 +1,5 @@",
        " a",
        "-b",
        "+B",
        " c",
        " d",
        " e",
        "@@ -8,3 +8,4 @@",
        " h",
        " i",
        " j",
        "+k",
        "",
      ].join("\n"),
    );
    expect(unifiedDiff(before, before, "old", "new")).toBe("");
  });

  it("rebuilds the new text from the old one for 300 random edits", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = random(seed);
      const a = Array.from({ length: Math.floor(r() * 30) }, () => `l${Math.floor(r() * 6)}`);
      const b = a.filter(() => r() > 0.2).flatMap((l) => (r() > 0.85 ? [l, `n${Math.floor(r() * 4)}`] : [l]));
      const before = a.length ? `${a.join("\n")}\n` : "";
      const after = b.length ? `${b.join("\n")}\n` : "";
      const diff = unifiedDiff(before, after, "a", "b");
      expect(diff === "", `seed ${seed}`).toBe(before === after);
      if (diff) expect(applyDiff(before, diff), `seed ${seed}`).toBe(after);
    }
  });
});
