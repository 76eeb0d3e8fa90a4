-- Claim a shard's items whose claim ran out, then its due items, up to a limit, until a
-- deadline. A claim is the item's id in the claimed set (by deadline) and who holds it.
-- KEYS: due, claimed, claims, items   (one shard: one hash slot)
-- ARGV: now (ms), limit, deadline (ms), worker
-- Returns the items claimed (json; false for an id whose item is gone).
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, limit)
if #ids < limit then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, limit - #ids)
  if #due > 0 then
    redis.call('ZREM', KEYS[1], unpack(due))
  end
  for _, id in ipairs(due) do
    ids[#ids + 1] = id
  end
end
if #ids == 0 then
  return {}
end
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[2], ARGV[3], id)
  redis.call('HSET', KEYS[3], id, ARGV[4])
end
return redis.call('HMGET', KEYS[4], unpack(ids))
