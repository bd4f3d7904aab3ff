-- Checks a signed-in session against its user's history and adds the session to it, atomically.
-- The C# mirror is AnomalyEngine.Core.Sessions.UserHistoryBook (offline replay);
-- UserHistoryParityTests keep the two equal. Runs on Redis (Lua 5.1) and Garnet (Lua 5.4): no
-- bitwise operators, no string.pack.
--
-- KEYS[1] the user's history, a hash:
--   s          sessions checked
--   <a><digest> "<tag>:<ts>" per remembered value, a = i (ip network), d (device) or c (country):
--              the tag of the session that first used it and the latest ts it was seen at
-- ARGV[1] the session's tag (decimal), [2] ts (unix ms) of the event checked, [3] time to live of
-- the history in ms (renewed by every check), [4] values kept per attribute (beyond it the one seen
-- longest ago is forgotten; of equals, the smallest digest), [5..7] the digests of the ip's network,
-- the device and the country ("" when the event lacks it).
-- Returns {earlier sessions, novel bits (1 network, 2 device, 4 country)}. A value is novel when
-- the user had not used it, or when this very session added it (a repeated check of the session,
-- after a failed call, answers the same and does not count the session twice).
local key, tag, ts = KEYS[1], ARGV[1], tonumber(ARGV[2])
local ttl, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local PREFIX, BIT = {'i', 'd', 'c'}, {1, 2, 4}
local sub, find = string.sub, string.find

local stored, again = {}, false
for a = 1, 3 do
  local v = ARGV[4 + a]
  if v ~= '' then
    local entry = redis.call('HGET', key, PREFIX[a] .. v)
    if entry then
      local colon = find(entry, ':', 1, true)
      stored[a] = {sub(entry, 1, colon - 1), tonumber(sub(entry, colon + 1))}
      if stored[a][1] == tag then again = true end
    end
  end
end

local sessions = tonumber(redis.call('HGET', key, 's') or '0')
local prior = sessions
if again then
  if prior > 0 then prior = prior - 1 end
else
  redis.call('HSET', key, 's', sessions + 1)
end

-- Forgets the value of attribute a seen longest ago, when a holds cap values already.
local function make_room(a)
  local all = redis.call('HGETALL', key)
  local count, oldest, oldest_ts = 0, nil, nil
  for j = 1, #all, 2 do
    local field = all[j]
    if sub(field, 1, 1) == PREFIX[a] then
      count = count + 1
      local entry = all[j + 1]
      local seen = tonumber(sub(entry, find(entry, ':', 1, true) + 1))
      local digest = tonumber(sub(field, 2))
      if not oldest or seen < oldest_ts or (seen == oldest_ts and digest < oldest) then
        oldest, oldest_ts = digest, seen
      end
    end
  end
  if count >= cap then redis.call('HDEL', key, PREFIX[a] .. oldest) end
end

local novel = 0
for a = 1, 3 do
  local v = ARGV[4 + a]
  if v ~= '' then
    local s = stored[a]
    if s then
      if s[1] == tag then novel = novel + BIT[a] end
      if ts > s[2] then redis.call('HSET', key, PREFIX[a] .. v, s[1] .. ':' .. ARGV[2]) end
    else
      novel = novel + BIT[a]
      make_room(a)
      redis.call('HSET', key, PREFIX[a] .. v, tag .. ':' .. ARGV[2])
    end
  end
end
redis.call('PEXPIRE', key, ttl)
return {prior, novel}
