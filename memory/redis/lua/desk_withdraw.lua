-- Take a conversation off the desk: out of the queue and from whoever held it.
-- KEYS: queue, held   ARGV: customer
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[1])
