-- Take one from a token bucket, GCRA style: the key holds the time (ms) at which the bucket
-- will be full again; it may run ahead of now by (burst - 1) intervals.
-- KEYS: bucket   ARGV: now (ms), interval (ms), burst   Returns 1 if one was taken, else 0.
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local due = tonumber(redis.call('GET', KEYS[1]) or now)
if due < now then
  due = now
end
if due - now > interval * (burst - 1) then
  return 0
end
due = due + interval
redis.call('SET', KEYS[1], string.format('%.0f', due), 'PX', math.ceil(due - now))
return 1
