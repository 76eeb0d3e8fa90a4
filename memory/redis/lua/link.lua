-- Add an identity to a customer's set of identities.   KEYS: identities   ARGV: identity, retention (ms)
redis.call('SADD', KEYS[1], ARGV[1])
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
