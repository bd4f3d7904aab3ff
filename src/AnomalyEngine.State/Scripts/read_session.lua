-- Reads a session's packed state and remaining time to live in one consistent step.
-- KEYS[1] the session's packed state (see apply_events.lua for the layout). ARGV[1] "1" to delete
-- the session after reading (EndSession); the packed state is the session's only key.
-- Returns {packed state without its event-id digests, exactly as apply_events.lua returns it (empty:
-- the session is unknown or expired), remaining time to live in ms}.
local upk = string.unpack or struct.unpack
local raw = redis.call('GET', KEYS[1])
if not raw then return {'', -2} end
local ttl = redis.call('PTTL', KEYS[1])
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
end
-- The header's third field (at byte 3 in every layout version) counts the 8-byte digests that end
-- the value; the rest, aggregates and tail alike, is returned for SessionStateCodec to read.
local k = upk('<H', raw, 3)
return {string.sub(raw, 1, #raw - 8 * k), ttl}
