-- A customer's items (json), pending or claimed.
-- KEYS: items, customer index   (one shard: one hash slot)
local ids = redis.call('HVALS', KEYS[2])
if #ids == 0 then
  return {}
end
return redis.call('HMGET', KEYS[1], unpack(ids))
