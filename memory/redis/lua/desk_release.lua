-- Release (ARGV[3] = '') or transfer (ARGV[3] = the new agent) a conversation; only its holder.
-- KEYS: queue, held   ARGV: customer, agent, new agent or ''
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return 0 end
local agent, since = string.match(held, '^(.-)\n(.*)$')
if agent ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[1], since, ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '\n' .. since)
end
return 1
