-- IP Reputation (layer 1): asks a reputation API with http.fetch, falls back to a static list.
-- Under `npm start` the API is the DEMO service on 127.0.0.1 (tools/http-test-server, made-up
-- answers; the seed fills in its URL and allow-lists 127.0.0.1). Fail-open: when the service is
-- slow, down or not allowed, the static list decides and the span shows why.
local ip = ctx.request and ctx.request.ip or ""
local service = "__DEMO_REPUTATION_URL__"
local reputation, source = nil, "static list"
if ip ~= "" and service:sub(1, 4) == "http" then
  local ok, r = pcall(http.fetch, service .. "?ip=" .. ip, { timeout_ms = 500 })
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
