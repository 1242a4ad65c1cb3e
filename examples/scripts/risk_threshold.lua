-- Risk Threshold (layer 2): blocks when the score from layer 1 (prev.risk) is too high.
local threshold = 70
local score = prev.risk and prev.risk.score or 0
if score >= threshold then
  return { block = true, reason = string.format("risk score %d >= %d", score, threshold) }
end
return {}
