-- Give the lease up if the inbox is empty; otherwise keep it and return the next input.
-- Either way what the outbox named has been sent.
-- KEYS: lease, inbox, outbox    ARGV: token, lease (ms)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'lost'}
end
redis.call('DEL', KEYS[3])
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then
  redis.call('DEL', KEYS[1])
  return {'released'}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'next', head}
