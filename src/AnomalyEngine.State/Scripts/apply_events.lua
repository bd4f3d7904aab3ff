-- Folds a batch of one session's events into its state, atomically. The C# mirror is
-- AnomalyEngine.Core.Sessions.SessionReducer; SessionParityTests keep the two equal.
-- Runs unchanged on Redis (Lua 5.1 with struct.pack) and Garnet (Lua 5.4 with string.pack), so it
-- uses only format codes both understand ('<', B, H, I4, i4, d) and no bitwise operators.
--
-- KEYS[1] the session's packed state (one string).
-- ARGV[1] ttl ms, [2] path cap, [3] name cap, [4] transition cap, [5] event-id cap, [6] event count,
-- then 7 values per event: ts, kind ("1" view, "2" action), name, success ("1","0",""),
-- duration_ms (or ""), user_id (or ""), event id digest (8 bytes, or ""; RedisSessionStore sends
-- XxHash3 of the id; only the last 8 bytes of the argument are kept, which lets redis-benchmark
-- pass printable ids).
-- Returns {applied, duplicates, packed state without its event-id digests (empty: no state),
-- remaining time to live in ms (-2: no state)}; SessionStateCodec.Decode reads the packed state.
--
-- Packed state, version 1, little-endian. W is the count width: B if events < 2^8, H if < 2^16,
-- I4 if < 2^32, else d (every count is at most the event count). X is the name index width: B
-- when the name table has at most 256 names, else H.
--   B version (1)
--   B flags: 1-2 count width (0 B, 1 H, 2 I4, 3 d) | 4 X is H | 8 user id present
--            | 16 overflow transition present
--   H k, remembered event-id digests (at byte 3 so read_session.lua can cut them off unparsed)
--   W×9 events, views, actions, failures, successes, out of order, fail streak, max fail streak, gaps
--   d×6 first ts, last ts, gap sum, gap sum², log-gap sum, log-gap sum²
--   X first name, X last name
--   [H length, bytes] user id, when flagged
--   H name count, then per name: H length, UTF-8 bytes (each name once; the rest refer to it)
--   H per-name entries, each: X name, W count, failures, attempts, durations,
--     then d log-duration sum if durations >= 1, d its squares' sum if durations >= 2
--   H transition entries (the overflow bucket not included), each: X from, X to, W count,
--     d log-gap sum, d its squares' sum if count >= 2
--   [W count, d sum, d squares' sum if count >= 2] the '~other' transition bucket, when flagged
--   B path entries, oldest first, each: B flags (1 action | 2 success known | 4 succeeded
--     | 8 duration present | 16 duration is d, else I4 | 32 ts is an absolute d, else i4 delta
--     from the previous entry's ts), X name, ts, [duration]
--   k × 8 bytes event-id digests, oldest first
-- A sum of squares is left out where it equals the sum squared exactly: with one term it was
-- computed as 0 + x*x, and x*x is what the reader recomputes from the stored x.
local pack = string.pack or struct.pack
local upk = string.unpack or struct.unpack
local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local path_cap = tonumber(ARGV[2])
local name_cap = tonumber(ARGV[3])
local tr_cap = tonumber(ARGV[4])
local id_cap = tonumber(ARGV[5])
local count = tonumber(ARGV[6])
local WIDTHS = {'B', 'H', 'I4', 'd'}
local I4 = 4294967296

-- x has bit b (a power of two) set; Lua 5.1 has no bitwise operators.
local function has(x, b) return math.floor(x / b) % 2 == 1 end

local v = {n = 0, nv = 0, na = 0, nf = 0, ns = 0, ooo = 0, fs = 0, fsm = 0, g = 0,
           t0 = 0, t1 = 0, gs = 0, gq = 0, lg = 0, lgq = 0}
local first, last, uid
local names, nn = {}, 0            -- name -> {count, failures, attempts, durations, sum, sumsq}
local trs, nt = {}, 0              -- "from\tto" or '~other' -> {count, sum, sumsq, from, to}
local path = {}                    -- {ts, kind, name, success, duration}
local raw = redis.call('GET', key)
local ids_at                       -- where the stored event-id digests begin
if raw then
  local _, flags, pos
  _, flags, _, pos = upk('<BBH', raw)
  local W = WIDTHS[flags % 4 + 1]
  local X = has(flags, 4) and 'H' or 'B'
  v.n, v.nv, v.na, v.nf, v.ns, v.ooo, v.fs, v.fsm, v.g, v.t0, v.t1, v.gs, v.gq, v.lg, v.lgq, first, last, pos =
    upk('<' .. string.rep(W, 9) .. 'dddddd' .. X .. X, raw, pos)
  if has(flags, 8) then
    local len
    len, pos = upk('<H', raw, pos)
    uid = string.sub(raw, pos, pos + len - 1)
    pos = pos + len
  end
  local tbl, m, len = {}
  m, pos = upk('<H', raw, pos)
  for j = 1, m do
    len, pos = upk('<H', raw, pos)
    tbl[j] = string.sub(raw, pos, pos + len - 1)
    pos = pos + len
  end
  first, last = tbl[first + 1], tbl[last + 1]
  local fmt = '<' .. X .. string.rep(W, 4)
  nn, pos = upk('<H', raw, pos)
  for _ = 1, nn do
    local e, j = {0, 0, 0, 0, 0, 0}
    j, e[1], e[2], e[3], e[4], pos = upk(fmt, raw, pos)
    if e[4] >= 1 then e[5], pos = upk('<d', raw, pos) end
    e[6] = e[5] * e[5]
    if e[4] >= 2 then e[6], pos = upk('<d', raw, pos) end
    names[tbl[j + 1]] = e
  end
  local function transition(from, to)
    local e = {0, 0, 0, from, to}
    e[1], e[2], pos = upk('<' .. W .. 'd', raw, pos)
    e[3] = e[2] * e[2]
    if e[1] >= 2 then e[3], pos = upk('<d', raw, pos) end
    return e
  end
  nt, pos = upk('<H', raw, pos)
  for _ = 1, nt do
    local a, b
    a, b, pos = upk('<' .. X .. X, raw, pos)
    a, b = tbl[a + 1], tbl[b + 1]
    trs[a .. '\t' .. b] = transition(a, b)
  end
  if has(flags, 16) then
    trs['~other'] = transition()
    nt = nt + 1
  end
  local pn, ts, f, j = 0, 0
  pn, pos = upk('<B', raw, pos)
  for p = 1, pn do
    f, j, pos = upk('<B' .. X, raw, pos)
    local e = {0, has(f, 1) and '2' or '1', tbl[j + 1], '', nil}
    if has(f, 32) then
      ts, pos = upk('<d', raw, pos)
    else
      local delta
      delta, pos = upk('<i4', raw, pos)
      ts = ts + delta
    end
    e[1] = ts
    if has(f, 2) then e[4] = has(f, 4) and '1' or '0' end
    if has(f, 8) then e[5], pos = upk(has(f, 16) and '<d' or '<I4', raw, pos) end
    path[p] = e
  end
  ids_at = pos
end

-- An id digest is remembered if this batch added it or it sits at an 8-byte boundary of the
-- stored digests (a plain find may also hit across two neighbours; those matches are skipped).
local batch_ids, added = {}, {}
local function remembered(d)
  if batch_ids[d] then return true end
  if not raw then return false end
  local p = string.find(raw, d, ids_at, true)
  while p do
    if (p - ids_at) % 8 == 0 then return true end
    p = string.find(raw, d, p + 1, true)
  end
  return false
end

local function name_entry(name)
  local e = names[name]
  if e then return e end
  if nn >= name_cap then
    name = '~other'
    e = names[name]
    if e then return e end
  end
  e = {0, 0, 0, 0, 0, 0}
  names[name] = e
  nn = nn + 1
  return e
end

local function transition_entry(from, to)
  local k = from .. '\t' .. to
  local e = trs[k]
  if e then return e end
  if nt >= tr_cap then
    k, from, to = '~other', nil, nil
    e = trs[k]
    if e then return e end
  end
  e = {0, 0, 0, from, to}
  trs[k] = e
  nt = nt + 1
  return e
end

local applied, dups = 0, 0
for i = 0, count - 1 do
  local b = 7 + i * 7
  local ts = tonumber(ARGV[b])
  local kind = ARGV[b + 1]
  local name = ARGV[b + 2]
  local succ = ARGV[b + 3]
  local dur = tonumber(ARGV[b + 4])
  local user = ARGV[b + 5]
  local digest = ARGV[b + 6]
  local fresh = true
  if digest ~= '' then
    if #digest < 8 then return redis.error_reply('event id digest must be 8 bytes') end
    digest = string.sub(digest, -8)
    if remembered(digest) then
      fresh = false
    else
      batch_ids[digest] = true
      added[#added + 1] = digest
    end
  end
  if fresh then
    applied = applied + 1
    if user ~= '' then uid = user end
    v.n = v.n + 1
    if kind == '1' then v.nv = v.nv + 1 else v.na = v.na + 1 end

    local ne = name_entry(name)
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
    if dur then
      local ld = math.log(1.0 + dur)
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
      local te = transition_entry(last, name)
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
    path[#path + 1] = {ts, kind, name, s, dur}
  else
    dups = dups + 1
  end
end

if applied == 0 then
  -- Nothing changed: an all-duplicate batch only renews the time to live of an existing state.
  if not raw then return {0, dups, '', -2} end
  redis.call('PEXPIRE', key, ttl)
  return {0, dups, string.sub(raw, 1, ids_at - 1), ttl}
end

local ids = table.concat(added)
if raw then ids = string.sub(raw, ids_at) .. ids end
if #ids > id_cap * 8 then ids = string.sub(ids, -id_cap * 8) end

local recent = {}
for p = math.max(1, #path - path_cap + 1), #path do recent[#recent + 1] = path[p] end

-- The name table holds every name something refers to, so names that left the path drop out.
local tbl, index = {}, {}
local function ref(name)
  local j = index[name]
  if not j then
    tbl[#tbl + 1] = name
    j = #tbl - 1
    index[name] = j
  end
  return j
end
ref(first)
ref(last)
for name in pairs(names) do ref(name) end
for _, e in pairs(trs) do
  if e[4] then
    ref(e[4])
    ref(e[5])
  end
end
for _, e in ipairs(recent) do ref(e[3]) end

local wi = v.n < 256 and 1 or v.n < 65536 and 2 or v.n < I4 and 3 or 4
local W = WIDTHS[wi]
local X = #tbl <= 256 and 'B' or 'H'
local flags = wi - 1
if X == 'H' then flags = flags + 4 end
if uid then flags = flags + 8 end
if trs['~other'] then flags = flags + 16 end

local out = {pack('<BBH' .. string.rep(W, 9) .. 'dddddd' .. X .. X, 1, flags, #ids / 8,
  v.n, v.nv, v.na, v.nf, v.ns, v.ooo, v.fs, v.fsm, v.g, v.t0, v.t1, v.gs, v.gq, v.lg, v.lgq,
  index[first], index[last])}
if uid then
  out[#out + 1] = pack('<H', #uid)
  out[#out + 1] = uid
end
out[#out + 1] = pack('<H', #tbl)
for _, name in ipairs(tbl) do
  out[#out + 1] = pack('<H', #name)
  out[#out + 1] = name
end
local fmt = '<' .. X .. string.rep(W, 4)
out[#out + 1] = pack('<H', nn)
for name, e in pairs(names) do
  if e[4] >= 2 then
    out[#out + 1] = pack(fmt .. 'dd', index[name], e[1], e[2], e[3], e[4], e[5], e[6])
  elseif e[4] == 1 then
    out[#out + 1] = pack(fmt .. 'd', index[name], e[1], e[2], e[3], e[4], e[5])
  else
    out[#out + 1] = pack(fmt, index[name], e[1], e[2], e[3], e[4])
  end
end
local function stats(e)
  if e[1] >= 2 then return pack('<' .. W .. 'dd', e[1], e[2], e[3]) end
  return pack('<' .. W .. 'd', e[1], e[2])
end
local other = trs['~other']
out[#out + 1] = pack('<H', other and nt - 1 or nt)
for _, e in pairs(trs) do
  if e[4] then
    out[#out + 1] = pack('<' .. X .. X, index[e[4]], index[e[5]])
    out[#out + 1] = stats(e)
  end
end
if other then out[#out + 1] = stats(other) end
out[#out + 1] = pack('<B', #recent)
local prev
for _, e in ipairs(recent) do
  local ts, dur = e[1], e[5]
  local f = 0
  if e[2] == '2' then f = f + 1 end
  if e[4] ~= '' then f = f + 2 end
  if e[4] == '1' then f = f + 4 end
  local tail = ''
  if dur then
    f = f + 8
    if dur < I4 then
      tail = pack('<I4', dur)
    else
      f = f + 16
      tail = pack('<d', dur)
    end
  end
  local delta = prev and ts - prev
  if delta and delta >= -2147483648 and delta < 2147483648 then
    out[#out + 1] = pack('<B' .. X .. 'i4', f, index[e[3]], delta)
  else
    out[#out + 1] = pack('<B' .. X .. 'd', f + 32, index[e[3]], ts)
  end
  out[#out + 1] = tail
  prev = ts
end
local state = table.concat(out)
redis.call('SET', key, state .. ids, 'PX', ttl)
return {applied, dups, state, ttl}
