-- Reads a session's state, recent path and remaining time to live in one consistent step.
-- KEYS[1] state hash, KEYS[2] recent path list. ARGV[1] "1" to delete the session after reading (EndSession).
local h = redis.call('HGETALL', KEYS[1])
local p = redis.call('LRANGE', KEYS[2], 0, -1)
local ttl = redis.call('PTTL', KEYS[1])
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return {h, p, ttl}
