-- Persist a finished turn while the lease is held, drop its input, return the next input.
-- Idempotent: when the finished entry is no longer at the head, it was committed already.
-- KEYS: lease, record, transcript, inbox, identities, outbox
-- ARGV: token, record, retention (ms), lease (ms), transcript limit, finished entry id,
--       outbox (message ids to be sent, '' = none), entries...
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'lost'}
end
local head = redis.call('LINDEX', KEYS[4], 0)
local prefix = ARGV[6] .. '\n'
if not head or string.sub(head, 1, #prefix) ~= prefix then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {'ok', head}
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
for i = 8, #ARGV do
  redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[5], '*', 'e', ARGV[i])
end
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[5], ARGV[3])
if ARGV[7] ~= '' then
  redis.call('SET', KEYS[6], ARGV[7], 'PX', ARGV[3])
else
  redis.call('DEL', KEYS[6])
end
redis.call('LPOP', KEYS[4])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'ok', redis.call('LINDEX', KEYS[4], 0)}
