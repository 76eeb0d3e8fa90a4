-- Deduplicate an input, append it to the customer's inbox and try to take the turn lease.
-- KEYS: identities, seen, inbox, lease, record, outbox  (one customer: one hash slot)
--       [, pending: on one server, noted here, in the same step as the inbox]
-- ARGV: identity ('' = no check), event id ('' = none), now (ms), dedup window (ms),
--       entry ("<id>\n<json>"), lease token, lease (ms), inbox limit, retention (ms),
--       customer id (with pending)
if ARGV[1] ~= '' and redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
  return {'stale'}
end
if ARGV[2] ~= '' and redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  return {'duplicate'}
end
if redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[8]) then
  return {'full'}
end
if ARGV[2] ~= '' then
  local now = tonumber(ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
  redis.call('ZADD', KEYS[2], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
redis.call('RPUSH', KEYS[3], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[9])
if KEYS[7] then
  redis.call('ZADD', KEYS[7], ARGV[3], ARGV[10])
  redis.call('PEXPIRE', KEYS[7], ARGV[9])
end
if redis.call('SET', KEYS[4], ARGV[6], 'NX', 'PX', ARGV[7]) then
  return {'acquired', redis.call('GET', KEYS[5]), redis.call('LINDEX', KEYS[3], 0),
          redis.call('GET', KEYS[6])}
end
return {'queued'}
