-- Velocity Check (layer 1): blocks after too many failed attempts in the recent window.
local failed = ctx.recent_failed_attempts or 0
if failed >= 10 then
  return { block = true, reason = "too many failed sign-in attempts (" .. failed .. ")" }
end
return { data = { velocity = { failed_attempts = failed } } }
