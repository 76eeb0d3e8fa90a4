-- Take the lease of a customer whose previous holder stopped with work left.
-- KEYS: lease, inbox, record, outbox    ARGV: token, lease (ms)
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'queued'}
end
local head = redis.call('LINDEX', KEYS[2], 0)
local unsent = redis.call('GET', KEYS[4])
if not head and not unsent then
  return {'idle'}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'acquired', redis.call('GET', KEYS[3]), head, unsent}
