-- Take one from every token bucket or from none (GCRA, as throttle.lua): each key holds the
-- time (ms) at which its bucket will be full again. The keys share one hash slot.
-- KEYS: buckets   ARGV: now (ms), then interval (ms) and burst for each key, in order.
-- Returns 0 when all were taken, else the ms until all could be (nothing taken).
local now = tonumber(ARGV[1])
local dues = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local due = tonumber(redis.call('GET', key) or now)
  if due < now then
    due = now
  end
  local early = due - now - interval * (burst - 1)
  if early > wait then
    wait = early
  end
  dues[i] = due + interval
end
if wait > 0 then
  return math.ceil(wait)
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', dues[i]), 'PX', math.ceil(dues[i] - now))
end
return 0
