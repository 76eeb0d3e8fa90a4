"""The Redis backend (one server or a Redis Cluster): every port of the memory shared by all
workers. Each module imports the Redis client; the composition root imports them only when
``OMNIBOT_REDIS_URL`` names Redis. The turn path's Lua scripts are in ``lua/``."""
