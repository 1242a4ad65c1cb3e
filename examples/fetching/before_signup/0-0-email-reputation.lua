-- Email Reputation (layer 0): asks a reputation service about the sign-up address and blocks
-- the bad ones; when the service answers an error it lets the sign-up through and says so.
local email = ctx.user and ctx.user.email or ""
local r = http.fetch("https://reputation.example.com/v1/email?address=" .. email, { timeout_ms = 500 })
if not r.ok then
  return { data = { email_reputation = { source = "unavailable", status = r.status } } }
end
if r.json.verdict == "bad" then
  return { block = true, reason = "email reputation: " .. r.json.reason }
end
return { data = { email_reputation = { source = "service", score = r.json.score } } }
