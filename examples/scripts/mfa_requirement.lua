-- MFA Requirement (layer 2): asks for a second factor on medium risk or a new device.
local score = prev.risk and prev.risk.score or 0
local new_device = prev.device and prev.device.new or false
return { data = { require_mfa = score >= 40 or new_device } }
