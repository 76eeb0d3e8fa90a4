-- Forget claimed items that were handled; an item no longer claimed (cancelled or replaced
-- since) is left alone, and so is its key, which may name a newer item.
-- KEYS: claimed, claims, items, then the customer index of each item   (one shard: one slot)
-- ARGV: id and key of each item, in the order of their indexes
for n = 1, #ARGV / 2 do
  local id, key = ARGV[2 * n - 1], ARGV[2 * n]
  if redis.call('ZREM', KEYS[1], id) == 1 then
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    if redis.call('HGET', KEYS[3 + n], key) == id then
      redis.call('HDEL', KEYS[3 + n], key)
    end
  end
end
return #ARGV / 2
