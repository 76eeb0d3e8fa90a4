-- When a shard next has something to do: its soonest due item, or its soonest claim to run
-- out (ms); false when it holds nothing.
-- KEYS: due, claimed   (one shard: one hash slot)
local soonest = false
for _, key in ipairs(KEYS) do
  local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if head[2] and (not soonest or tonumber(head[2]) < soonest) then
    soonest = tonumber(head[2])
  end
end
return soonest
