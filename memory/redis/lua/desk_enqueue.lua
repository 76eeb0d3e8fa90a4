-- Queue a conversation unless an agent holds it; a conversation already queued keeps its place.
-- KEYS: queue, held   ARGV: customer, since (ms)
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
return redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
