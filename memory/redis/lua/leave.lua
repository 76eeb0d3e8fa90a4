-- Take an identity out of a customer's identities, and with it what vouched for it (`kept`).
-- KEYS: identities, kept   ARGV: identity
redis.call('DEL', KEYS[2])
return redis.call('SREM', KEYS[1], ARGV[1])
