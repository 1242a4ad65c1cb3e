/**
 * The Lua side of `http.fetch(url, opts)`: reads the arguments from the calling thread and
 * pushes the answer table `{ ok, status, headers, body, json }`. The call itself (limits,
 * policy, redirects, timeouts) is in http-call.ts; the yield/resume in runtime.ts.
 */
import { type LuaState, lua } from "fengari";
import { type FetchRequest, type FetchResponse, FORBIDDEN_HEADERS, type HttpLimits } from "./http-call";
import { LuaToJson } from "./json-lua";
import { pushJsonView } from "./json-view";
import { Interned } from "./lua-strings";
import { HTTP_METHODS, type HttpMethod } from "./ports";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_REQUEST_BODY = 256 * 1024;

function argError(L: LuaState, message: string): never {
  lua.lua_pushliteral(L, `http.fetch: ${message}`);
  return lua.lua_error(L);
}

/** Reads `(url, opts)` at stack indexes 1 and 2; raises a Lua error naming a bad field. */
export function readFetchArgs(L: LuaState, limits: HttpLimits, maxDepth: number): FetchRequest {
  if (lua.lua_type(L, 1) !== lua.LUA_TSTRING) argError(L, "url must be a string");
  const url = lua.lua_tojsstring(L, 1) as string;
  const t = lua.lua_type(L, 2);
  if (t !== lua.LUA_TNIL && t !== lua.LUA_TNONE && t !== lua.LUA_TTABLE) argError(L, "opts must be a table");
  let method: HttpMethod = "GET";
  const headers: Record<string, string> = {};
  let body: Uint8Array | null = null;
  let timeoutMs = limits.defaultTimeoutMs;
  if (t === lua.LUA_TTABLE) {
    lua.lua_settop(L, 2);
    if (lua.lua_getfield(L, 2, "method") !== lua.LUA_TNIL) {
      const m = (lua.lua_tojsstring(L, -1) ?? "").toUpperCase();
      if (!(HTTP_METHODS as readonly string[]).includes(m)) {
        argError(L, `method must be one of ${HTTP_METHODS.join(", ")}`);
      }
      method = m as HttpMethod;
    }
    if (lua.lua_getfield(L, 2, "timeout_ms") !== lua.LUA_TNIL) {
      const n = lua.lua_tonumber(L, -1);
      if (!Number.isFinite(n) || n < 1 || n > limits.maxTimeoutMs) {
        argError(L, `timeout_ms must be a number from 1 to ${limits.maxTimeoutMs}`);
      }
      timeoutMs = Math.floor(n);
    }
    const hType = lua.lua_getfield(L, 2, "headers");
    if (hType !== lua.LUA_TNIL) readHeaders(L, lua.lua_gettop(L), headers, hType);
    const bType = lua.lua_getfield(L, 2, "body");
    if (bType === lua.LUA_TSTRING) {
      body = lua.lua_tostring(L, -1) as Uint8Array;
    } else if (bType === lua.LUA_TTABLE) {
      let json: string;
      try {
        json = JSON.stringify(new LuaToJson(L, { maxDepth, maxBytes: MAX_REQUEST_BODY }).convert(-1, "body"));
      } catch (err) {
        argError(L, (err as Error).message);
      }
      body = encoder.encode(json);
      headers["content-type"] ??= "application/json";
    } else if (bType !== lua.LUA_TNIL) {
      argError(L, "body must be a string or a table");
    }
    if (body && body.length > MAX_REQUEST_BODY) argError(L, `body larger than ${MAX_REQUEST_BODY} bytes`);
    if (body && (method === "GET" || method === "HEAD")) argError(L, `a ${method} request has no body`);
  }
  return { url, method, headers, body, timeoutMs };
}

function readHeaders(L: LuaState, idx: number, out: Record<string, string>, type: number): void {
  if (type !== lua.LUA_TTABLE) argError(L, "headers must be a table of strings");
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx)) {
    if (lua.lua_type(L, -2) !== lua.LUA_TSTRING || !lua.lua_isstring(L, -1)) {
      argError(L, "headers must map names (strings) to strings");
    }
    const name = (lua.lua_tojsstring(L, -2) as string).toLowerCase();
    const value = lua.lua_tojsstring(L, -1) as string;
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) argError(L, `invalid header name '${name}'`);
    if (/[\r\n\0]/.test(value)) argError(L, `invalid value for header '${name}'`);
    if (FORBIDDEN_HEADERS.has(name)) argError(L, `header '${name}' cannot be set`);
    out[name] = value;
    lua.lua_pop(L, 1);
  }
}

/** Pushes `{ ok, status, headers, body, json }` (json decoded when the response is JSON). */
export function pushFetchResponse(L: LuaState, res: FetchResponse, maxDepth: number): void {
  const keys = new Interned(L).open();
  lua.lua_createtable(L, 0, 6);
  const t = lua.lua_gettop(L);
  lua.lua_pushboolean(L, res.status >= 200 && res.status < 300);
  keys.setField(t, "ok");
  lua.lua_pushinteger(L, res.status);
  keys.setField(t, "status");
  lua.lua_createtable(L, 0, 8);
  const headers = lua.lua_gettop(L);
  for (const [k, v] of Object.entries(res.headers)) {
    lua.lua_pushstring(L, v);
    keys.setField(headers, k);
  }
  keys.setField(t, "headers");
  lua.lua_pushstring(L, res.body);
  keys.setField(t, "body");
  lua.lua_pushstring(L, res.url);
  keys.setField(t, "url");
  if (/\bjson\b/i.test(res.headers["content-type"] ?? "")) {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(res.body));
    } catch {
      value = undefined;
    }
    try {
      if (value !== undefined) {
        pushJsonView(L, value as never, "response", maxDepth);
        keys.setField(t, "json");
      }
    } catch {
      lua.lua_settop(L, t); // a too-deep document: json stays nil
    }
  }
  keys.close();
}

/** Raises `message` as a Lua error (no position prefix). */
export function raiseText(L: LuaState, message: string): never {
  lua.lua_pushstring(L, message);
  return lua.lua_error(L);
}
