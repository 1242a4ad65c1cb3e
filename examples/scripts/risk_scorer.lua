-- Risk Scorer (layer 1): a 0-100 score from the device flag (prev) and the request (ctx).
local score, factors = 0, json.array()
if prev.device and prev.device.new then
  score = score + 30
  factors[#factors + 1] = "new_device"
end
local failed = ctx.recent_failed_attempts or 0
if failed > 0 then
  score = score + math.min(failed * 10, 40)
  factors[#factors + 1] = "failed_attempts"
end
local ua = ctx.request and ctx.request.user_agent or ""
if ua == "" or string.find(string.lower(ua), "curl", 1, true) then
  score = score + 20
  factors[#factors + 1] = "suspicious_user_agent"
end
score = math.min(score, 100)
log("risk", score)
return { data = { risk = { score = score, factors = factors } } }
