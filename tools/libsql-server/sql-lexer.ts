/**
 * A small SQLite tokenizer: enough to split SQL text into statements (the way
 * `sqlite3_complete` does, triggers included), to list each statement's parameters with the
 * indices SQLite gives them, and to classify it (INSERT / UPDATE / DELETE / EXPLAIN) the way sqld
 * does for `affected_row_count` and `last_insert_rowid`. better-sqlite3 exposes none of this.
 */

/** One parameter slot; `name` includes its prefix (`:a`, `@a`, `$a`, `?3`). */
export interface SqlParam {
  index: number;
  name: string | null;
}

/** One statement of a SQL text. */
export interface SqlStatement {
  /** The statement's text, trailing semicolon included. */
  text: string;
  /** Parameter names by index, 1-based; null for anonymous `?` (and gaps). */
  params: SqlParam[];
  isExplain: boolean;
  /** INSERT, REPLACE, UPDATE or DELETE (after an optional WITH clause). */
  isIud: boolean;
  /** INSERT or REPLACE. */
  isInsert: boolean;
}

type Kind = "ws" | "semi" | "word" | "other" | "param" | "open" | "close";

interface Token {
  kind: Kind;
  start: number;
  end: number;
}

const isIdStart = (c: string) => /[A-Za-z_]/.test(c) || c.charCodeAt(0) > 0x7f;
const isIdChar = (c: string) => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) > 0x7f;

function skipQuoted(sql: string, i: number, close: string): number {
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === close) {
      if (close !== "]" && sql[j + 1] === close) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length;
}

function readToken(sql: string, i: number): Token {
  const c = sql[i] ?? "";
  const tok = (kind: Kind, end: number): Token => ({ kind, start: i, end });
  if (/\s/.test(c)) {
    let j = i + 1;
    while (j < sql.length && /\s/.test(sql[j] ?? "")) j++;
    return tok("ws", j);
  }
  if (c === "-" && sql[i + 1] === "-") {
    const nl = sql.indexOf("\n", i);
    return tok("ws", nl < 0 ? sql.length : nl + 1);
  }
  if (c === "/" && sql[i + 1] === "*") {
    const close = sql.indexOf("*/", i + 2);
    return tok("ws", close < 0 ? sql.length : close + 2);
  }
  if (c === ";") return tok("semi", i + 1);
  if (c === "(") return tok("open", i + 1);
  if (c === ")") return tok("close", i + 1);
  if (c === "'" || c === '"' || c === "`") return tok("other", skipQuoted(sql, i, c));
  if (c === "[") return tok("other", skipQuoted(sql, i, "]"));
  if (c === "?") {
    let j = i + 1;
    while (j < sql.length && /[0-9]/.test(sql[j] ?? "")) j++;
    return tok("param", j);
  }
  if ((c === ":" || c === "@" || c === "$") && isIdChar(sql[i + 1] ?? " ")) {
    let j = i + 1;
    for (;;) {
      while (j < sql.length && isIdChar(sql[j] ?? "")) j++;
      if (c === "$" && sql[j] === ":" && sql[j + 1] === ":") j += 2;
      else break;
    }
    if (c === "$" && sql[j] === "(") {
      const close = sql.indexOf(")", j);
      j = close < 0 ? sql.length : close + 1;
    }
    return tok("param", j);
  }
  if (isIdStart(c)) {
    let j = i + 1;
    while (j < sql.length && isIdChar(sql[j] ?? "")) j++;
    return tok("word", j);
  }
  return tok("other", i + 1);
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < sql.length; ) {
    const t = readToken(sql, i);
    tokens.push(t);
    i = t.end;
  }
  return tokens;
}

// sqlite3_complete's state machine (tokens: SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END).
const TRANSITIONS: number[][] = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
];

function completeClass(sql: string, t: Token): number {
  if (t.kind === "semi") return 0;
  if (t.kind === "ws") return 1;
  if (t.kind !== "word") return 2;
  const word = sql.slice(t.start, t.end).toUpperCase();
  const classes: Record<string, number> = {
    EXPLAIN: 3,
    CREATE: 4,
    TEMP: 5,
    TEMPORARY: 5,
    TRIGGER: 6,
    END: 7,
  };
  return classes[word] ?? 2;
}

function collectParams(sql: string, tokens: Token[]): SqlParam[] {
  const byIndex = new Map<number, string | null>();
  const byName = new Map<string, number>();
  let max = 0;
  for (const t of tokens) {
    if (t.kind !== "param") continue;
    const text = sql.slice(t.start, t.end);
    if (text === "?") {
      max += 1;
      byIndex.set(max, null);
    } else if (text.startsWith("?")) {
      const index = Number(text.slice(1));
      if (!byName.has(text)) byName.set(text, index);
      if (byIndex.get(index) == null) byIndex.set(index, text);
      max = Math.max(max, index);
    } else if (!byName.has(text)) {
      max += 1;
      byName.set(text, max);
      byIndex.set(max, text);
    }
  }
  const params: SqlParam[] = [];
  for (let index = 1; index <= max; index++) params.push({ index, name: byIndex.get(index) ?? null });
  return params;
}

const MAIN_VERBS = new Set(["SELECT", "VALUES", "INSERT", "REPLACE", "UPDATE", "DELETE"]);

function classify(sql: string, tokens: Token[]): Pick<SqlStatement, "isExplain" | "isIud" | "isInsert"> {
  const words = tokens.filter((t) => t.kind !== "ws");
  const first = words[0] && sql.slice(words[0].start, words[0].end).toUpperCase();
  let verb = first;
  if (first === "WITH") {
    let depth = 0;
    verb = undefined;
    for (const t of words.slice(1)) {
      if (t.kind === "open") depth++;
      else if (t.kind === "close") depth--;
      else if (depth === 0 && t.kind === "word") {
        const w = sql.slice(t.start, t.end).toUpperCase();
        if (MAIN_VERBS.has(w)) {
          verb = w;
          break;
        }
      }
    }
  }
  const isInsert = verb === "INSERT" || verb === "REPLACE";
  return {
    isExplain: first === "EXPLAIN",
    isInsert,
    isIud: isInsert || verb === "UPDATE" || verb === "DELETE",
  };
}

/**
 * libSQL's `BEGIN [TRANSACTION] READONLY` (what @libsql/client sends for mode "read"). SQLite
 * has no such syntax; libSQL accepts it without enforcing read-only, so it runs as BEGIN DEFERRED.
 */
function isBeginReadonly(sql: string, tokens: Token[]): boolean {
  const words = tokens
    .filter((t) => t.kind !== "ws" && t.kind !== "semi")
    .map((t) => sql.slice(t.start, t.end).toUpperCase());
  const rest = words[1] === "TRANSACTION" ? words.slice(2) : words.slice(1);
  return words[0] === "BEGIN" && rest.length === 1 && rest[0] === "READONLY";
}

/**
 * Splits SQL text into its statements; empty ones (only spaces, comments, semicolons) are dropped.
 * @example splitStatements("SELECT 1; -- x\n SELECT ?").length === 2
 */
export function splitStatements(sql: string): SqlStatement[] {
  const tokens = tokenize(sql);
  const out: SqlStatement[] = [];
  let state = 0;
  let current: Token[] = [];
  const flush = () => {
    if (current.some((t) => t.kind !== "ws" && t.kind !== "semi")) {
      const first = current[0] as Token;
      const last = current[current.length - 1] as Token;
      out.push({
        text: isBeginReadonly(sql, current) ? "BEGIN DEFERRED" : sql.slice(first.start, last.end).trim(),
        params: collectParams(sql, current),
        ...classify(sql, current),
      });
    }
    current = [];
  };
  for (const t of tokens) {
    current.push(t);
    state = TRANSITIONS[state]?.[completeClass(sql, t)] ?? 2;
    if (t.kind === "semi" && state === 1) flush();
  }
  flush();
  return out;
}
