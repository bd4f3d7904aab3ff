-- Folds a batch of one session's events into its state, atomically. The C# mirror is
-- AnomalyEngine.Core.Sessions.SessionReducer; SessionParityTests keep the two equal.
-- Runs unchanged on Redis 5.1-Lua and Garnet 5.4-Lua: integers are formatted with %d, floats
-- with %.17g so that doubles survive the round trip exactly.
--
-- KEYS[1] state hash, KEYS[2] recent path list, KEYS[3] remembered event ids (zset by sequence)
-- ARGV[1] ttl ms, [2] path cap, [3] name cap, [4] transition cap, [5] event-id cap, [6] event count,
-- then 7 values per event: ts, kind ("1" view, "2" action), name, success ("1","0",""),
-- duration_ms (or ""), user_id (or ""), event_id (or "").
-- Returns {applied, duplicates, state hash fields/values joined by '\n', path entries joined by
-- '\n', remaining time to live in ms (-2: no state)}; SessionStateCodec.DecodePacked reads it.
local unpack = unpack or table.unpack
local st, pathkey, idskey = KEYS[1], KEYS[2], KEYS[3]
local ttl = tonumber(ARGV[1])
local path_cap = tonumber(ARGV[2])
local name_cap = tonumber(ARGV[3])
local tr_cap = tonumber(ARGV[4])
local id_cap = tonumber(ARGV[5])
local count = tonumber(ARGV[6])

local F = {'n', 'nv', 'na', 'nf', 'ns', 'ooo', 't0', 't1', 'fs', 'fsm', 'g', 'nn', 'nt', 'seq',
           'gs', 'gq', 'lg', 'lgq'}
-- One HMGET for the counters and the three strings (each redis.call has a fixed cost).
local raw = redis.call('HMGET', st, 'first', 'last', 'uid', unpack(F))
local v = {}
for i = 1, #F do
  v[F[i]] = tonumber(raw[i + 3]) or 0
end
local first, last, uid = raw[1], raw[2], raw[3]
if not first then first = nil end
if not last then last = nil end

local names, trs = {}, {}   -- caches of packed per-name / per-transition stats touched by this batch
local function load_name(name)
  local e = names[name]
  if e then return e end
  local p = redis.call('HGET', st, 'n:' .. name)
  if p then
    local c, f, a, dn, ds, dq = string.match(p, '^([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*)$')
    e = {tonumber(c), tonumber(f), tonumber(a), tonumber(dn), tonumber(ds), tonumber(dq)}
  end
  if e then names[name] = e end
  return e
end
local function load_tr(key)
  local e = trs[key]
  if e then return e end
  local p = redis.call('HGET', st, 't:' .. key)
  if p then
    local c, s, q = string.match(p, '^([^,]*),([^,]*),([^,]*)$')
    e = {tonumber(c), tonumber(s), tonumber(q)}
  end
  if e then trs[key] = e end
  return e
end

local applied, dups, ids_added = 0, 0, 0
local pushed = {}
for i = 0, count - 1 do
  local b = 7 + i * 7
  local ts = tonumber(ARGV[b])
  local kind = ARGV[b + 1]
  local name = ARGV[b + 2]
  local succ = ARGV[b + 3]
  local dur = ARGV[b + 4]
  local user = ARGV[b + 5]
  local eid = ARGV[b + 6]
  local fresh = true
  if eid ~= '' then
    -- ZADD NX adds only an unseen id and says whether it did: one call instead of ZSCORE + ZADD.
    if redis.call('ZADD', idskey, 'NX', v.seq + 1, eid) == 1 then
      v.seq = v.seq + 1
      ids_added = ids_added + 1
    else
      fresh = false
    end
  end
  if fresh then
    applied = applied + 1
    if user ~= '' then uid = user end
    v.n = v.n + 1
    if kind == '1' then v.nv = v.nv + 1 else v.na = v.na + 1 end

    local tracked = name
    local ne = load_name(name)
    if not ne then
      if v.nn >= name_cap then
        tracked = '~other'
        ne = load_name(tracked)
      end
      if not ne then
        ne = {0, 0, 0, 0, 0, 0}
        names[tracked] = ne
        v.nn = v.nn + 1
      end
    end
    ne[1] = ne[1] + 1
    if kind == '2' and succ ~= '' then
      ne[3] = ne[3] + 1
      if succ == '1' then
        v.ns = v.ns + 1
        v.fs = 0
      else
        v.nf = v.nf + 1
        ne[2] = ne[2] + 1
        v.fs = v.fs + 1
        if v.fs > v.fsm then v.fsm = v.fs end
      end
    end
    if dur ~= '' then
      local ld = math.log(1.0 + tonumber(dur))
      ne[4] = ne[4] + 1
      ne[5] = ne[5] + ld
      ne[6] = ne[6] + ld * ld
    end

    if v.n == 1 then
      v.t0 = ts
      v.t1 = ts
      first = name
      last = name
    elseif ts >= v.t1 then
      local gap = (ts - v.t1) * 1.0
      local lg = math.log(1.0 + gap)
      v.g = v.g + 1
      v.gs = v.gs + gap
      v.gq = v.gq + gap * gap
      v.lg = v.lg + lg
      v.lgq = v.lgq + lg * lg
      local key = last .. '\t' .. name
      local te = load_tr(key)
      if not te then
        if v.nt >= tr_cap then
          key = '~other'
          te = load_tr(key)
        end
        if not te then
          te = {0, 0, 0}
          trs[key] = te
          v.nt = v.nt + 1
        end
      end
      te[1] = te[1] + 1
      te[2] = te[2] + lg
      te[3] = te[3] + lg * lg
      v.t1 = ts
      last = name
    else
      v.ooo = v.ooo + 1
    end
    local s = ''
    if kind == '2' then s = succ end
    pushed[#pushed + 1] = ARGV[b] .. '\t' .. kind .. '\t' .. name .. '\t' .. s .. '\t' .. dur
  else
    dups = dups + 1
  end
end

local function i(x) return string.format('%d', x) end
local function f(x) return string.format('%.17g', x) end
if applied > 0 then
  local out = {}
  for k, e in pairs(names) do
    out[#out + 1] = 'n:' .. k
    out[#out + 1] = i(e[1]) .. ',' .. i(e[2]) .. ',' .. i(e[3]) .. ',' .. i(e[4]) .. ',' .. f(e[5]) .. ',' .. f(e[6])
  end
  for k, e in pairs(trs) do
    out[#out + 1] = 't:' .. k
    out[#out + 1] = i(e[1]) .. ',' .. f(e[2]) .. ',' .. f(e[3])
  end
  for j = 1, 14 do
    out[#out + 1] = F[j]
    out[#out + 1] = i(v[F[j]])
  end
  for j = 15, #F do
    out[#out + 1] = F[j]
    out[#out + 1] = f(v[F[j]])
  end
  out[#out + 1] = 'first'
  out[#out + 1] = first
  out[#out + 1] = 'last'
  out[#out + 1] = last
  if uid then
    out[#out + 1] = 'uid'
    out[#out + 1] = uid
  end
  redis.call('HSET', st, unpack(out))
  redis.call('RPUSH', pathkey, unpack(pushed))
  redis.call('LTRIM', pathkey, -path_cap, -1)
  -- The set only grows by ZADD, so it can exceed the cap only in a batch that added ids.
  if ids_added > 0 then
    local extra = redis.call('ZCARD', idskey) - id_cap
    if extra > 0 then redis.call('ZREMRANGEBYRANK', idskey, 0, extra - 1) end
  end
end
-- After an applied event the state exists (HSET above); only an all-duplicate batch must look.
-- The remaining time to live is then the ttl just set (what PTTL would answer), or -2 (no key).
local pttl = -2
if applied > 0 or redis.call('EXISTS', st) == 1 then
  redis.call('PEXPIRE', st, ttl)
  redis.call('PEXPIRE', pathkey, ttl)
  redis.call('PEXPIRE', idskey, ttl)
  pttl = ttl
end
-- The state goes back as two strings (fields and values joined by '\n', path entries joined by
-- '\n') instead of ~100 bulk replies: far less reply building here and parsing in the client. No
-- field, value or name holds a control character (the validator rejects them in names and ids).
return {applied, dups, table.concat(redis.call('HGETALL', st), '\n'),
        table.concat(redis.call('LRANGE', pathkey, 0, -1), '\n'), pttl}
