-- Write a customer's record and whole transcript anew, and add deduplication ids, while the
-- lease is held (a merge folding another customer in).
-- KEYS: lease, record, transcript, seen
-- ARGV: token, record, retention (ms), transcript limit, dedup window (ms), id count n,
--       n pairs of (id, time ms), then pairs of (entry id or '*', entry)...
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 'lost'
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[3])
local n = tonumber(ARGV[6])
for i = 0, n - 1 do
  redis.call('ZADD', KEYS[4], ARGV[8 + 2 * i], ARGV[7 + 2 * i])
end
if n > 0 then
  redis.call('PEXPIRE', KEYS[4], ARGV[5])
end
for i = 7 + 2 * n, #ARGV, 2 do
  redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[4], ARGV[i], 'e', ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 'ok'
