-- Reads a session's state, recent path and remaining time to live in one consistent step.
-- KEYS[1] state hash, KEYS[2] recent path list, KEYS[3] event ids. ARGV[1] "1" to delete the
-- session after reading (EndSession).
-- The state goes back packed exactly as apply_events.lua returns it (fields and values joined by
-- '\n', path entries joined by '\n'), so one decoder reads both replies; an empty first string
-- means the session is unknown or expired.
local h = table.concat(redis.call('HGETALL', KEYS[1]), '\n')
local p = table.concat(redis.call('LRANGE', KEYS[2], 0, -1), '\n')
local ttl = redis.call('PTTL', KEYS[1])
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return {h, p, ttl}
