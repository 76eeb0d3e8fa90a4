-- Delete a key only if it still names this customer (an identity or an attribute index entry).
-- KEYS: key   ARGV: customer id
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
