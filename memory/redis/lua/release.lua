-- Give the lease up if the inbox is empty; otherwise keep it and return the next input.
-- Either way what the outbox named has been sent.
-- A customer released with nothing left is no longer pending (on one server, where the pending
-- set is passed: any later input is noted again by the enqueue that queues it).
-- KEYS: lease, inbox, outbox [, pending]    ARGV: token, lease (ms) [, customer id]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'lost'}
end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then
  redis.call('DEL', KEYS[1], KEYS[3])
  if KEYS[4] then
    redis.call('ZREM', KEYS[4], ARGV[3])
  end
  return {'released'}
end
redis.call('DEL', KEYS[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'next', head}
