-- Persist a finished turn while the lease is held, drop its input, return the next input.
-- Idempotent: when the finished entry is no longer at the head, it was committed already.
-- Once a period (when `kept` is gone, or marked '!' by the enqueue that set it) it also sets
-- the customer's keys' time to live and trims the deduplication ids to the window.
-- KEYS: lease, record, transcript, inbox, identities, outbox, seen, kept
-- ARGV: token, record, retention (ms), transcript limit, finished entry id,
--       outbox (message ids to be sent, '' = none), now (ms), dedup window (ms),
--       period (ms), entries...
local lease, kept = unpack(redis.call('MGET', KEYS[1], KEYS[8]))
if lease ~= ARGV[1] then
  return {'lost'}
end
local head = redis.call('LPOP', KEYS[4])
local prefix = ARGV[5] .. '\n'
if not head or string.sub(head, 1, #prefix) ~= prefix then
  if head then
    redis.call('LPUSH', KEYS[4], head)
  end
  return {'ok', head}
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
for i = 10, #ARGV do
  redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[4], '*', 'e', ARGV[i])
end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[6], ARGV[6], 'PX', ARGV[3])
else
  redis.call('DEL', KEYS[6])
end
if not kept or string.sub(kept, 1, 1) == '!' then
  local window = tonumber(ARGV[8])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
  redis.call('PEXPIRE', KEYS[5], ARGV[3])
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', tonumber(ARGV[7]) - window)
  redis.call('PEXPIRE', KEYS[7], window + tonumber(ARGV[9]))
  if kept then
    redis.call('SETRANGE', KEYS[8], 0, ' ')
  else
    redis.call('SET', KEYS[8], ' ', 'PX', ARGV[9])
  end
end
return {'ok', redis.call('LINDEX', KEYS[4], 0)}
