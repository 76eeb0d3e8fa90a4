-- Note that a customer was sent something (the pending set that recovery reads).
-- KEYS: pending    ARGV: customer id, now (ms), retention (ms)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
