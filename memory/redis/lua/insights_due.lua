-- The conversations whose idle check is due: KEYS[1] the sorted set of conversations going on;
-- ARGV: now, how long to hold each one taken, how many at most. Each taken is moved to now + hold,
-- so that another worker does not take it meanwhile.
local now, hold = tonumber(ARGV[1]), tonumber(ARGV[2])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, customer in ipairs(due) do
  redis.call('ZADD', KEYS[1], now + hold, customer)
end
return due
