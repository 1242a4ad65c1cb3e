import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import * as fengari from "fengari";
it("runs", async () => {
  const r = await SELF.fetch("http://x/");
  expect(await r.text()).toBe("ok");
  const L = fengari.lauxlib.luaL_newstate();
  fengari.lualib.luaL_openlibs(L);
  expect(fengari.lauxlib.luaL_dostring(L, fengari.to_luastring("return 1+1"))).toBe(0);
  expect(fengari.lua.lua_tointeger(L, -1)).toBe(2);
});
