-- Schedule an item unless the customer has one with its key; with replace, take its place.
-- KEYS: due, claimed, claims, items, customer index   (one shard of the schedule: one hash slot)
-- ARGV: key, id, due (ms), item (json), replace ('1' or '0')
local current = redis.call('HGET', KEYS[5], ARGV[1])
if current then
  local kept = redis.call('HGET', KEYS[4], current)
  if kept and ARGV[5] ~= '1' then
    return {'kept', kept}
  end
  redis.call('ZREM', KEYS[1], current)
  redis.call('ZREM', KEYS[2], current)
  redis.call('HDEL', KEYS[3], current)
  redis.call('HDEL', KEYS[4], current)
end
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return {'put'}
