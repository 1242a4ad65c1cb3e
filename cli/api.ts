/**
 * The CLI's HTTP client for a Hookline server: list scripts and apply a plan. The URL and token
 * come from flags or HOOKLINE_URL / HOOKLINE_TOKEN; `fetch` can be handed in (tests wrap it).
 * Every failure becomes a one-line CliError: unreachable server, HTTP status with the server's
 * error code, message and field.
 */
import { CliError, EXIT } from "./errors";

/** A script as `GET /v1/scripts` answers it (the fields the CLI uses). */
export interface LiveScript {
  id: string;
  name: string;
  description: string | null;
  trigger_event: string;
  layer_index: number;
  parallel_index: number;
  enabled: boolean;
  on_error: "continue" | "block";
  instruction_budget: number;
  current_version: number;
  source: string;
  /** Secret names set on the server (filled in by `withSecretNames`; absent: not asked or no key). */
  secrets?: string[];
  /** Optional: a server from before issue 10 does not answer them (then they are not compared). */
  allowed_hosts?: string[];
  timeout_ms?: number;
  /** Optional: a server from before issue 13 does not answer it (then it is not compared). */
  mode?: "enforce" | "shadow";
}

export interface ApplyBody {
  create: Record<string, unknown>[];
  update: ({ id: string; expected_version: number } & Record<string, unknown>)[];
}

export interface AppliedScript {
  id: string;
  name: string;
  trigger_event: string;
  action: "created" | "updated";
  previous_version: number | null;
  current_version: number;
  enabled: boolean;
}

export interface ServerOptions {
  url?: string;
  token?: string;
  fetch?: typeof fetch;
}

/** Secret-name lookups in flight at once (one GET per script). */
const SECRET_LOOKUPS_AT_ONCE = 6;

export class HooklineApi {
  private readonly base: string;
  private readonly token: string;
  private readonly fetch: typeof fetch;

  /** @throws CliError when the URL or the token is missing or the URL is not http(s) */
  constructor(opts: ServerOptions, env: NodeJS.ProcessEnv = process.env) {
    const url = opts.url ?? env.HOOKLINE_URL;
    const token = opts.token ?? env.HOOKLINE_TOKEN;
    if (!url) throw new CliError("no server: set HOOKLINE_URL or pass --url");
    if (!/^https?:\/\/[^/]/.test(url)) throw new CliError(`--url must be an http(s) URL, got ${url}`);
    if (!token) throw new CliError("no token: set HOOKLINE_TOKEN or pass --token");
    this.base = url.replace(/\/+$/, "");
    this.token = token;
    this.fetch = opts.fetch ?? fetch;
  }

  get url(): string {
    return this.base;
  }

  async listScripts(): Promise<LiveScript[]> {
    const body = (await this.call("GET", "/v1/scripts")) as { scripts: LiveScript[] };
    return body.scripts;
  }

  /**
   * The names of a script's secrets (values are never answered), or null when the server has no
   * SECRETS_KEY configured.
   */
  async secretNames(id: string): Promise<string[] | null> {
    try {
      const body = (await this.call("GET", `/v1/scripts/${encodeURIComponent(id)}/secrets`)) as {
        secrets: { name: string }[];
      };
      return body.secrets.map((s) => s.name).sort();
    } catch (err) {
      if (err instanceof CliError && err.code === "NOT_CONFIGURED") return null;
      throw err;
    }
  }

  /** The scripts with their secret names, asked a few at a time. */
  async withSecretNames(scripts: LiveScript[]): Promise<LiveScript[]> {
    const out: LiveScript[] = [];
    for (let i = 0; i < scripts.length; i += SECRET_LOOKUPS_AT_ONCE) {
      const chunk = scripts.slice(i, i + SECRET_LOOKUPS_AT_ONCE);
      const names = await Promise.all(chunk.map((s) => this.secretNames(s.id)));
      out.push(...chunk.map((s, j) => (names[j] === null ? s : { ...s, secrets: names[j] as string[] })));
    }
    return out;
  }

  async apply(plan: ApplyBody): Promise<AppliedScript[]> {
    const body = (await this.call("POST", "/v1/scripts/apply", plan)) as { scripts: AppliedScript[] };
    return body.scripts;
  }

  private async call(method: string, path: string, json?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (json !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, {
        method,
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
      throw new CliError(describeFailure(method, path, res.status, body), EXIT.error, code);
    }
    if (body === undefined) throw new CliError(`${method} ${path}: the server answered ${res.status} without JSON`);
    return body;
  }
}

function describeFailure(method: string, path: string, status: number, body: unknown): string {
  const e = (body as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  if (!e) return `${method} ${path} failed with HTTP ${status}`;
  const field = e.field ? ` (field ${e.field})` : "";
  return `${method} ${path} failed with HTTP ${status} ${e.code}: ${e.message}${field}`;
}
