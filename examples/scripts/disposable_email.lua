-- Disposable Email Blocker (layer 0): blocks throwaway mailbox domains.
local disposable = {
  ["mailinator.com"] = true, ["guerrillamail.com"] = true, ["10minutemail.com"] = true,
  ["tempmail.dev"] = true, ["yopmail.com"] = true,
}
local email = ctx.user and ctx.user.email or ""
local domain = string.lower(string.match(email, "@([^@]+)$") or "")
if disposable[domain] then
  log("disposable domain", domain)
  return { block = true, reason = "disposable email domain: " .. domain }
end
return {}
