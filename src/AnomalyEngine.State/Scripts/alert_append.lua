-- Decides whether a session's anomalous verdict raises an alert and, if so, appends it to the feed
-- partition, in ONE atomic step: a crash can never leave "dedup state says alerted" without the alert,
-- and two replicas scoring the same session cannot both alert. Runs on Redis 5.1-Lua and Garnet 5.4-Lua.
--
-- KEYS (one hash tag {tenant:feed:p}):
--   [1] seq   string: last sequence number handed out (INCR; never trimmed, so cursors stay monotonic)
--   [2] log   sorted set: score = seq, member = record "1:<time ms>:<seq>:<body>" (body = protobuf Alert)
--   [3] last  hash: session id -> "<severity>:<time ms>" of the session's last alert
--   [4] seen  sorted set: session id -> time ms it was last seen anomalous (prunes [3])
-- ARGV: [1] session id, [2] severity (int), [3] now ms, [4] re-alert interval ms (0 = never),
--       [5] dedup window ms, [6] max records kept, [7] max record age ms, [8] body
-- Returns the new alert's seq, or 0 when the verdict is a repeat of what was already alerted.
local unpack = unpack or table.unpack
local session = ARGV[1]
local sev = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local realert = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local maxcount = tonumber(ARGV[6])
local maxage = tonumber(ARGV[7])

-- Forget sessions not seen anomalous for a whole window; bounded work per call keeps latency flat.
local stale = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', string.format('%d', now - window), 'LIMIT', 0, 32)
if #stale > 0 then
  redis.call('HDEL', KEYS[3], unpack(stale))
  redis.call('ZREM', KEYS[4], unpack(stale))
end

local raise = true
local prev = redis.call('HGET', KEYS[3], session)
if prev then
  local psev, ptime = string.match(prev, '^(%d+):(%d+)$')
  psev, ptime = tonumber(psev), tonumber(ptime)
  if sev <= psev then
    -- Not an escalation: only the optional re-alert interval can raise it again.
    raise = realert > 0 and now - ptime >= realert
  end
end
redis.call('ZADD', KEYS[4], ARGV[3], session)
if not raise then
  return 0
end

local seq = redis.call('INCR', KEYS[1])
local seqs = string.format('%d', seq)
redis.call('HSET', KEYS[3], session, ARGV[2] .. ':' .. ARGV[3])
redis.call('ZADD', KEYS[2], seqs, '1:' .. ARGV[3] .. ':' .. seqs .. ':' .. ARGV[8])

-- Retention by count.
local n = redis.call('ZCARD', KEYS[2])
if n > maxcount then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - maxcount - 1)
end
-- Retention by age: records are in seq order and times grow with seq, so trim from the head while old.
-- Peek at the oldest first so the common case (nothing to trim) reads one record, not a page.
local cutoff = now - maxage
local head = redis.call('ZRANGE', KEYS[2], 0, 0)
if #head > 0 and tonumber(string.match(head[1], '^1:(%d+):')) < cutoff then
  local old = redis.call('ZRANGE', KEYS[2], 0, 63)
  local cut = 0
  for i = 1, #old do
    if tonumber(string.match(old[i], '^1:(%d+):')) < cutoff then cut = i else break end
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, cut - 1)
end
return seq
