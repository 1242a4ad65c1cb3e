/**
 * Streams and batons. A stream is one SQLite connection plus its stored SQL texts; it lives
 * across HTTP requests while the client holds its baton (interactive transactions). A baton is
 * `<stream id>.<sequence>.<secret>`: each answer hands out the next one, so a baton works once.
 * An idle stream expires after `idleMs` (sqld: ~10 s); its connection is rolled back and closed.
 * Closed and expired streams leave a tombstone so a late baton gets the right error.
 */
import { randomBytes } from "node:crypto";
import { type Connection, closeConnection, type DatabaseFile } from "./database";
import { ProtocolError, StreamExpiredError } from "./errors";

const MAX_TOMBSTONES = 10_000;

/** One stream: a lazily opened connection and the SQL texts stored with `store_sql`. */
export class Stream {
  readonly sqls = new Map<number, string>();
  seq = 0;
  closed = false;
  timer: NodeJS.Timeout | undefined;
  #conn: Connection | undefined;

  constructor(
    readonly id: number,
    readonly secret: string,
    private readonly db: DatabaseFile,
  ) {}

  /** The stream's connection, opened on first use. @throws ProtocolError once closed */
  conn(): Connection {
    if (this.closed) throw new ProtocolError("The stream has already been closed");
    this.#conn ??= this.db.connect();
    return this.#conn;
  }

  get isAutocommit(): boolean {
    return !this.conn().inTransaction;
  }

  /** Rolls back any open transaction and closes the connection. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.#conn) closeConnection(this.#conn);
    this.#conn = undefined;
  }

  baton(): string {
    return `${this.id}.${this.seq}.${this.secret}`;
  }
}

/** All open streams of one server. */
export class StreamRegistry {
  readonly #open = new Map<number, Stream>();
  readonly #tombstones = new Map<number, "closed" | "expired">();
  #nextId = 1;

  constructor(
    private readonly db: DatabaseFile,
    private readonly idleMs: number,
  ) {}

  get openCount(): number {
    return this.#open.size;
  }

  /**
   * Takes the stream a request names (or a new one when `baton` is null). The baton is spent
   * at once, so a concurrent or later request with the same baton is refused.
   * @throws ProtocolError (400) for an invalid, reused or closed baton
   * @throws StreamExpiredError (500) when the stream expired
   */
  acquire(baton: string | null): Stream {
    if (baton === null) {
      return new Stream(this.#nextId++, randomBytes(12).toString("base64url"), this.db);
    }
    const m = /^(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(baton);
    if (!m) throw new ProtocolError("Received an invalid baton");
    const id = Number(m[1]);
    const stream = this.#open.get(id);
    if (!stream) {
      const tomb = this.#tombstones.get(id);
      if (tomb === "expired") throw new StreamExpiredError();
      if (tomb === "closed") throw new ProtocolError("Stream for this baton was closed");
      throw new ProtocolError("Received an invalid baton");
    }
    if (stream.secret !== m[3]) throw new ProtocolError("Received an invalid baton");
    if (stream.seq !== Number(m[2]) || stream.timer === undefined) {
      throw new ProtocolError("Received a baton that has already been used");
    }
    clearTimeout(stream.timer);
    stream.timer = undefined;
    stream.seq += 1;
    return stream;
  }

  /**
   * Hands a stream back after a request. Returns its next baton, or null when it is closed.
   */
  release(stream: Stream): string | null {
    if (stream.closed) {
      this.#forget(stream, "closed");
      return null;
    }
    this.#open.set(stream.id, stream);
    stream.timer = setTimeout(() => this.#expire(stream), this.idleMs);
    stream.timer.unref();
    return stream.baton();
  }

  /** Closes a stream that failed mid-request (its baton was never handed out). */
  discard(stream: Stream): void {
    stream.close();
    this.#forget(stream, "closed");
  }

  #expire(stream: Stream): void {
    stream.close();
    this.#forget(stream, "expired");
  }

  #forget(stream: Stream, why: "closed" | "expired"): void {
    this.#open.delete(stream.id);
    this.#tombstones.set(stream.id, why);
    if (this.#tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.#tombstones.keys().next().value;
      if (oldest !== undefined) this.#tombstones.delete(oldest);
    }
  }

  /** Closes every stream (server shutdown). */
  closeAll(): void {
    for (const stream of this.#open.values()) stream.close();
    this.#open.clear();
  }
}
