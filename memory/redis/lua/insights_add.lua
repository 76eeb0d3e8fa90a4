-- Add to the insights' daily tallies and watch (or stop watching) one conversation.
-- KEYS[1] is the sorted set of conversations going on (by when to check them), the rest the
-- days' hashes. ARGV: the hashes' lifetime in seconds, the customer ('' for none), when to check
-- them ('' to stop watching), then triples (index of the key, field, amount).
-- One slot: every key shares {insights}.
local ttl = tonumber(ARGV[1])
if ARGV[2] ~= '' then
  if ARGV[3] == '' then
    redis.call('ZREM', KEYS[1], ARGV[2])
  else
    redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[2])
  end
end
for i = 4, #ARGV, 3 do
  redis.call('HINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 1], tonumber(ARGV[i + 2]))
end
for i = 2, #KEYS do
  redis.call('EXPIRE', KEYS[i], ttl)
end
return #KEYS - 1
