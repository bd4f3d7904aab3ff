-- Records a session's user history check (user_history.lua's answer) in its packed state, so that
-- every later verdict of the session sees it and the session is not checked again. Runs on Redis
-- (Lua 5.1) and Garnet (Lua 5.4). The layout is apply_events.lua's: this reads the header up to the
-- context and inserts the two bytes of the check behind it (flag 64).
--
-- KEYS[1] the session's packed state. ARGV[1] novel bits (1 network, 2 device, 4 country),
-- [2] the user's earlier sessions (at most 255).
-- Returns 1 when recorded, 0 when the session already holds a check (the first one stands), is
-- unknown or has no context (a check needs one).
--[[packed_user_field.lua]]

local key = KEYS[1]
local raw = redis.call('GET', key)
if not raw then return 0 end
local byte = string.byte
if byte(raw, 1) ~= 6 then return redis.error_reply('unknown session state version') end
local flags = byte(raw, 2)
if flags >= 64 or flags % 64 < 32 then return 0 end
local user_at, user_len = packed_user_field(raw, flags)
local pos = user_at + user_len + 9 -- past the user id and the context: H×3 digests, B×3 changes
local ttl = redis.call('PTTL', key)
if ttl <= 0 then return 0 end
local check = string.char(tonumber(ARGV[1]), tonumber(ARGV[2]))
redis.call('SET', key, string.char(6, flags + 64) .. string.sub(raw, 3, pos - 1) .. check .. string.sub(raw, pos), 'PX', ttl)
return 1
