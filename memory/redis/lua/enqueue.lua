-- Deduplicate an input, append it to the customer's inbox and try to take the turn lease.
-- KEYS: identities, seen, inbox, lease, record, outbox, kept  (one customer: one hash slot)
--       [, pending: on one server, noted here, in the same step as the inbox]
-- ARGV: identity ('' = no check), event id ('' = none), now (ms), dedup window (ms),
--       entry ("<id>\n<json>"), lease token, lease (ms), inbox limit, retention (ms),
--       period (ms), size and sha1 of the record the caller holds ('' = none),
--       customer id (with pending)
-- The identity is checked against the identities unless `kept` names it: `kept` lists the
-- identities checked since it was set (their SHA-1s), and goes with any of them (leave.lua).
-- Set here when missing, marked '!': the commit that follows sets the keys' time to live
-- (commit.lua).
-- A record the caller holds still is answered '=' instead of sent again.
local kept, record, unsent = unpack(redis.call('MGET', KEYS[7], KEYS[5], KEYS[6]))
local identity = ARGV[1]
-- Listed by digest: an identity is any string a channel hands over, spaces included.
local named = identity ~= '' and redis.sha1hex(identity) .. ' ' or ''
local vouched = kept and named ~= '' and string.find(kept, ' ' .. named, 1, true)
if identity ~= '' and not vouched then
  if redis.call('SISMEMBER', KEYS[1], identity) == 0 then
    return {'stale'}
  end
  if kept then
    redis.call('APPEND', KEYS[7], named)
  end
end
if not kept then
  redis.call('SET', KEYS[7], '! ' .. named, 'PX', ARGV[10])
end
local now = tonumber(ARGV[3])
if ARGV[2] ~= '' and redis.call('ZADD', KEYS[2], 'NX', now, ARGV[2]) == 0 then
  -- Ids older than the window are trimmed once a period only (commit.lua): one may be left.
  if tonumber(redis.call('ZSCORE', KEYS[2], ARGV[2])) > now - tonumber(ARGV[4]) then
    return {'duplicate'}
  end
  redis.call('ZADD', KEYS[2], now, ARGV[2])
end
local length = redis.call('RPUSH', KEYS[3], ARGV[5])
if length > tonumber(ARGV[8]) then
  redis.call('RPOP', KEYS[3])
  if ARGV[2] ~= '' then
    redis.call('ZREM', KEYS[2], ARGV[2])
  end
  return {'full'}
end
if KEYS[8] then
  redis.call('ZADD', KEYS[8], now, ARGV[13])
  if not kept then
    redis.call('PEXPIRE', KEYS[8], ARGV[9])
  end
end
if redis.call('SET', KEYS[4], ARGV[6], 'NX', 'PX', ARGV[7]) then
  local head = ARGV[5]
  if length > 1 then
    head = redis.call('LINDEX', KEYS[3], 0)
  end
  if record and #record == tonumber(ARGV[11]) and redis.sha1hex(record) == ARGV[12] then
    record = '='
  end
  return {'acquired', record, head, unsent}
end
return {'queued'}
