-- Hold a conversation that is off the desk for the agent reopening it.
-- KEYS: queue (zset), held (hash customer -> "agent\nsince")   ARGV: customer, agent, since
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then
  if string.match(held, '^(.-)\n') == ARGV[2] then return 1 end
  return 0
end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '\n' .. ARGV[3])
return 1
