-- Give one item to another customer of the same shard (a join); the target's own item with
-- the key is kept, and this one dropped. A claimed item becomes pending again, at its due time.
-- KEYS: due, claimed, claims, items, source index, target index   (one shard: one hash slot)
-- ARGV: key, id, the item as the target's (json), due (ms)
-- Returns 'moved', 'dropped' (the target has the key) or 'gone' (no longer the source's).
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then
  return 'gone'
end
redis.call('HDEL', KEYS[5], ARGV[1])
local theirs = redis.call('HGET', KEYS[6], ARGV[1])
if theirs and redis.call('HEXISTS', KEYS[4], theirs) == 1 then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
  redis.call('HDEL', KEYS[4], ARGV[2])
  return 'dropped'
end
redis.call('HSET', KEYS[6], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
if redis.call('ZREM', KEYS[2], ARGV[2]) == 1 then
  redis.call('HDEL', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
end
return 'moved'
