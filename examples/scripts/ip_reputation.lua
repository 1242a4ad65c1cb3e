-- IP Reputation (layer 1): tags addresses from known-bad ranges (a static list here).
local bad_prefixes = { "198.51.100.", "192.0.2." }
local ip = ctx.request and ctx.request.ip or ""
local reputation = "ok"
for _, prefix in ipairs(bad_prefixes) do
  if string.sub(ip, 1, #prefix) == prefix then reputation = "bad" end
end
return { data = { ip = { address = ip, reputation = reputation } } }
