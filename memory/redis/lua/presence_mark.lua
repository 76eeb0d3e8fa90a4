-- Mark one open page of a customer (see memory/redis/presence.py).
-- KEYS[1]: the customer's pages (a sorted set: "channel:page" -> when its mark runs out, ms)
-- ARGV: member, until (ms), now (ms), ttl (ms)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
