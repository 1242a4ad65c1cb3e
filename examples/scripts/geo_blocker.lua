-- Geo Blocker (layer 0): blocks sign-ins from countries on the deny list.
local deny = { KP = true, IR = true, SY = true, CU = true }
local country = ctx.request and ctx.request.country
if country and deny[string.upper(country)] then
  return { block = true, reason = "sign-in from a blocked country (" .. country .. ")" }
end
return { data = { geo = { country = country } } }
