-- New Device Flag (layer 0): marks a device the user has not signed in from before.
local id = ctx.request and ctx.request.device_id
local known = false
for _, d in ipairs(ctx.known_devices or {}) do
  if d == id then known = true break end
end
return { data = { device = { id = id, new = not known } } }
