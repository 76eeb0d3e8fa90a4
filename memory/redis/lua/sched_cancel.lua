-- Drop a customer's items: the one with a key, those an event cancels, or all of them.
-- KEYS: due, claimed, claims, items, customer index   (one shard: one hash slot)
-- ARGV: how ('key', 'event' or 'all'), the key or the event's name; with 'key', optionally the
--       id the key must name (a moved item is dropped, never a newer one with its key)
-- Returns the items dropped (json).
local function drop(key, id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[5], key)
  local item = redis.call('HGET', KEYS[4], id)
  redis.call('HDEL', KEYS[4], id)
  return item
end
local function cancelled_by(item, event)
  local names = cjson.decode(item)['cancel_on']
  if type(names) ~= 'table' then
    return false
  end
  for _, name in ipairs(names) do
    if name == event then
      return true
    end
  end
  return false
end
local dropped = {}
if ARGV[1] == 'key' then
  local id = redis.call('HGET', KEYS[5], ARGV[2])
  if ARGV[3] and id ~= ARGV[3] then
    return dropped
  end
  local item = id and drop(ARGV[2], id)
  if item then
    dropped[1] = item
  end
  return dropped
end
local index = redis.call('HGETALL', KEYS[5])
for i = 1, #index, 2 do
  local item = redis.call('HGET', KEYS[4], index[i + 1])
  if ARGV[1] == 'all' or (item and cancelled_by(item, ARGV[2])) then
    drop(index[i], index[i + 1])
    if item then
      dropped[#dropped + 1] = item
    end
  end
end
return dropped
