-- Give the lease up if the inbox is empty; otherwise keep it and return the next input.
-- KEYS: lease, inbox    ARGV: token, lease (ms)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'lost'}
end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then
  redis.call('DEL', KEYS[1])
  return {'released'}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'next', head}
