-- The most recently touched digests, newest first, and their tags.
-- KEYS: digests, recent, tags   ARGV: how many
local ids = redis.call('ZREVRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {{}, {}} end
return {redis.call('HMGET', KEYS[1], unpack(ids)), redis.call('HMGET', KEYS[3], unpack(ids))}
