-- Audit Tags (layer 2): summarises earlier layers into tags for dashboards.
local tags = json.array()
if prev.device and prev.device.new then tags[#tags + 1] = "new-device" end
if prev.ip and prev.ip.reputation == "bad" then tags[#tags + 1] = "bad-ip" end
if prev.risk then tags[#tags + 1] = "risk-" .. tostring(prev.risk.score) end
log("tags", tags)
return { data = { tags = tags } }
