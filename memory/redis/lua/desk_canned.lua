-- Store one canned response, unless it is new and the team holds as many as allowed already.
-- KEYS: the canned responses   ARGV: key, value, most
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
