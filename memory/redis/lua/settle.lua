-- Forget a customer found with nothing to do, unless they were sent something since.
-- KEYS: pending    ARGV: customer id, horizon (ms: sent nothing after it)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
