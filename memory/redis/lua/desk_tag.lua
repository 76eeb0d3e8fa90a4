-- Add or remove one tag of a conversation; the tags after (JSON), or nil when adding one would
-- make more than the most allowed.
-- KEYS: tags (hash customer -> JSON list)   ARGV: customer, tag, add (1 or 0), most
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local tags = raw and cjson.decode(raw) or {}
local kept, found = {}, false
for _, tag in ipairs(tags) do
  if tag == ARGV[2] then found = true end
  if tag ~= ARGV[2] or ARGV[3] == '1' then table.insert(kept, tag) end
end
if ARGV[3] == '1' and not found then
  if #kept >= tonumber(ARGV[4]) then return nil end
  table.insert(kept, ARGV[2])
end
if #kept == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return '[]'
end
local encoded = cjson.encode(kept)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
return encoded
