-- Claim a waiting conversation: the first agent takes it off the queue and holds it.
-- KEYS: queue (zset customer -> since), held (hash customer -> "agent\nsince")
-- ARGV: customer, agent
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then
  if string.match(held, '^(.-)\n') == ARGV[2] then return 1 end
  return 0
end
local since = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not since then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '\n' .. since)
return 1
