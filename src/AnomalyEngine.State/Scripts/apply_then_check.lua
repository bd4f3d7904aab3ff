-- Applies a batch and, when the session is due for its user history check, checks it in the same
-- call: apply_events.lua, then user_history.lua and session_user_mark.lua, exactly as the three
-- calls would. Only where one node holds both keys (a single Redis or Garnet): on a cluster the
-- user's history lives in another slot and the engine makes the three calls. The three scripts are
-- inserted below as functions when the store loads this one (StoreScript.Load replaces each
-- include line with the script it names).
--
-- KEYS[1] the session's packed state, KEYS[2] the user's history.
-- ARGV[1] n, how many arguments apply_events.lua takes; [2 .. n+1] those arguments; [n+2] the user
-- the check is for; [n+3 ..] user_history.lua's arguments.
-- Returns apply_events.lua's reply, and when the session was checked the answer behind it:
-- {applied, dups, state before the check, ttl, earlier sessions, novel bits}. The session is checked
-- when, after the batch, it holds the user of ARGV[n+2], some context and no check yet.
local function apply_events(KEYS, ARGV)
--[[apply_events.lua]]
end

local function user_history(KEYS, ARGV)
--[[user_history.lua]]
end

local function session_user_mark(KEYS, ARGV)
--[[session_user_mark.lua]]
end

--[[packed_user_field.lua]]

-- The user id of a packed state (layout 6) that holds context and no check yet; nil otherwise.
local function unchecked_user(raw)
  local flags = string.byte(raw, 2)
  if flags >= 64 or flags % 64 < 32 or flags % 8 < 4 then return nil end
  local at, len = packed_user_field(raw, flags)
  return string.sub(raw, at, at + len - 1)
end

local n = tonumber(ARGV[1])
local args, checks = {}, {}
for i = 1, n do args[i] = ARGV[1 + i] end
for i = n + 3, #ARGV do checks[#checks + 1] = ARGV[i] end
local reply = apply_events({KEYS[1]}, args)
if type(reply) ~= 'table' or reply.err then return reply end
if unchecked_user(reply[3]) == ARGV[n + 2] then
  local answer = user_history({KEYS[2]}, checks)
  session_user_mark({KEYS[1]}, {answer[2], math.min(answer[1], 255)})
  reply[5], reply[6] = answer[1], answer[2]
end
return reply
