-- IP Reputation (layer 1): asks a reputation API with http.fetch and falls back to a static list.
-- The URL below is a DEMO: `npm start` serves a small made-up reputation API there (127.0.0.1,
-- port DB_PORT + 1; the seed writes the real port in) and allow-lists it. Point it at a real
-- service (https, listed in allowed_hosts) for production. Fail-open: when the service is slow,
-- down or not allowed, the static list decides, and data.ip.source says which one did.
local service = "http://127.0.0.1:8081/reputation"
local ip = ctx.request and ctx.request.ip or ""
local reputation, source = nil, "static list"
if ip ~= "" then
  local ok, r = pcall(http.fetch, service .. "?ip=" .. ip, { timeout_ms = 300 })
  if ok and r.ok and r.json and r.json.reputation then
    reputation, source = r.json.reputation, "service"
  elseif not ok then
    log("reputation service unavailable, using the static list:", r)
  end
end
if reputation == nil then
  reputation = "ok"
  for _, prefix in ipairs({ "198.51.100.", "192.0.2." }) do
    if string.sub(ip, 1, #prefix) == prefix then reputation = "bad" end
  end
end
return { data = { ip = { address = ip, reputation = reputation, source = source } } }
