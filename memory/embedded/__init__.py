"""The embedded backend: every port of the memory held in this process (one worker, nothing
kept across restarts). Used when ``OMNIBOT_REDIS_URL`` is unset."""
