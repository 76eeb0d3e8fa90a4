-- Remember a conversation's thread at another desk, both ways.
-- KEYS: customer -> thread, thread -> customer   ARGV: customer, thread
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
