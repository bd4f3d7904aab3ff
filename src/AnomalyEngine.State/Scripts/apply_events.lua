-- Counts a batch of one session's events into its state, atomically. The C# mirror is
-- AnomalyEngine.Core.Sessions.SessionReducer; SessionParityTests keep the two equal.
-- Runs unchanged on Redis (Lua 5.1 with struct.pack) and Garnet (Lua 5.4 with string.pack), so it
-- uses only format codes both understand ('<', B, H, I4, i4, d) and no bitwise operators; the
-- variable-width fields are built and read byte by byte with arithmetic.
--
-- KEYS[1] the session's packed state (one string).
-- ARGV[1] ttl ms, [2] path cap, [3] name cap, [4] transition cap, [5] event-id cap, [6] tail cap
-- (at most 255 are kept raw: the row count is one byte), [7] event count, then 10 values per event:
-- ts, kind ("1" view, "2" action), name, success ("1","0",""), duration_ms (or ""), user_id (or
-- ""), event id digest (8 bytes, or ""; RedisSessionStore sends XxHash3 of the id; only the last 8
-- bytes of the argument are kept, which lets redis-benchmark pass printable ids), and the digests
-- (1-65535, or "" when the event lacks it) of its ip, device and country attributes
-- (SessionContext.Digest).
-- Returns {applied, duplicates, packed state without its event-id digests (empty: no state),
-- remaining time to live in ms (-2: no state)}; SessionStateCodec.Decode reads the packed state.
--
-- The state is the folded aggregates of the older events plus a tail of the newest events, raw,
-- in arrival order. A batch that keeps the tail within the tail cap is appended to it by splicing
-- strings, without reading the aggregates or the rows; a batch that would overflow it (or that
-- needs wider name indexes or lengths) folds the whole tail and the batch into the aggregates, in
-- arrival order, and leaves the tail empty. Folding later changes only the storage: the reader
-- replays the tail on the aggregates with the same fold, so the state read back is the same.
--
-- Packed state, version 6 (5 and the user history check), little-endian. X is the name index width: B when the name table has at
-- most 255 names, else H. L is the width of the user id's length and of the name coding's lengths:
-- B, or H when the user id is longer than 255 bytes or some name longer than 127.
--   B version (6)
--   B flags: 1 X is H | 2 L is H | 4 user id present | 8 aggregates present | 16 the last row's ts
--            is a d, else 6 bytes (I4 low, H high: ts = low + 2^32 high; an integer in [0, 2^48))
--            | 32 context present | 64 user history check present (only with the context)
--   H k, remembered event-id digests (at byte 3: the value ends with 8 k digest bytes)
--   [H length of the aggregates in bytes, when flagged]
--   B r, tail rows
--   [ts of the last tail row, when r > 0] (rows store ts as deltas; this anchors them)
--   [L length, bytes] user id (the latest non-empty one, folded or not), when flagged
--   [H×3 ip, device, country digests (0: not seen yet), B×3 their changes (at most 255)] the
--     context, when flagged (some attribute seen). Kept current on every batch, never folded: a
--     change is an event whose digest differs from the latest before it, in arrival order.
--   [B novel bits (1 network, 2 device, 4 country), B earlier sessions] the user history check,
--     when flagged: written once by session_user_mark.lua, kept as it is by this script.
--   X m, m name codings, the m stored suffixes: the name table, each name once, in the order first
--     seen (the aggregates and the tail refer to a name by its 0-based index). A name is stored as
--     the first 'shared' bytes of an earlier name, its base, and the bytes after them, its suffix.
--     The base is the latest of the 16 names before it that starts with the same two bytes: a
--     site's names share their first path segment (/product/48213, /catalog/shoes, /product/10050),
--     not necessarily with the name before. A coding is B c: 0 no shared prefix, 16 back + shared
--     (both 1-15) the base is the name 'back' places before, 1 the name's stored suffix starts with
--     X base, L shared; then L s: 2 × the suffix's length (its bytes as they are), or 2 n + 1 for a
--     suffix of n ASCII digits (1 ≤ n ≤ 9) stored as its value in 1 (n ≤ 2), 2 (n ≤ 4), 3 (n ≤ 7)
--     or 4 bytes, low byte first. The codings are thus 1 + L bytes each.
--   the aggregates, when flagged (W is at most the folded event count: B if < 2^8, H if < 2^16,
--   I4 if < 2^32):
--     B aggregate flags: 1-2 count width W (0 B, 1 H, 2 I4, 3 d) | 4 overflow transition present
--       | 8 D is I4, else H (path durations that are not d: some is 65536 or more)
--     W×9 events, views, actions, failures, successes, out of order, fail streak, max fail streak, gaps
--     d×6 first ts, last ts, gap sum, gap sum², log-gap sum, log-gap sum²
--     X first name, X last name
--     H per-name entries, (X name, W count, failures, attempts, durations) per entry, then per entry
--       d log-duration sum if durations >= 1 and d its squares' sum if durations >= 2
--     H transition entries (the overflow bucket not included), (X from, X to, W count) per entry,
--       then per entry d log-gap sum and, if count >= 2, d its squares' sum
--     [W count, d sum, d squares' sum if count >= 2] the '~other' transition bucket, when flagged
--     B path entries p, oldest first: B×p flags (1 action | 2 success known | 4 succeeded
--       | 8 duration present | 16 duration is d, else D | 32 ts is an absolute d | 64 ts is an H
--       delta from the previous entry's ts; neither 32 nor 64: an i4 delta), X×p names, p ts, the
--       durations of the entries that have one
--   r tail rows, oldest first, each:
--     B head: kind (0 view, 1 action, 2 action failed, 3 action succeeded) + 4 if a duration
--       follows + 8 × name code: 0 the next of the names this tail added to the table (the tail's
--       rows of code 0 added the table's last names, in order), 1-30 the name of index code - 1,
--       31 an X index follows
--     [X name index]
--     ts, except in the first row (its ts is the last row's, in the header, less the later rows'
--       deltas): the delta from the previous row's ts: H t, t < 49152 the delta; else one more
--       byte b, v = 256 (t - 49152) + b: v < 4194302 the delta 49152 + v, 4194302 an i4 delta
--       follows, 4194303 a d delta follows
--     [duration]: duration + 1 in base 128, low digits first, each byte + 128 but the last; or a
--       byte 0 and the duration as a d (beyond 2^48, or not an integer)
--   k × 8 bytes event-id digests, oldest first
-- A sum of squares is left out where it equals the sum squared exactly: with one term it was
-- computed as 0 + x*x, and x*x is what the reader recomputes from the stored x.
local pack = string.pack or struct.pack
local upk = string.unpack or struct.unpack
local unpack = unpack or table.unpack
local rep, sub, find, byte, char, fmt, concat =
  string.rep, string.sub, string.find, string.byte, string.char, string.format, table.concat
local floor, min, max, log = math.floor, math.min, math.max, math.log
local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local path_cap = tonumber(ARGV[2])
local name_cap = tonumber(ARGV[3])
local tr_cap = tonumber(ARGV[4])
local id_cap = tonumber(ARGV[5])
local tail_cap = min(tonumber(ARGV[6]), 255)
local count = tonumber(ARGV[7])
local WIDTHS = {'B', 'H', 'I4', 'd'}
local TS_CODES = {[0] = 'i4', 'd', 'H'}
local I4 = 4294967296
-- How many names before a new one are searched for its base; on simulated shop sessions a wider
-- search finds no better base (the latest name with the same first two bytes is nearly always close).
local BASE_WINDOW = 16
local DIGIT_BYTES = {1, 1, 2, 2, 3, 3, 3, 4, 4} -- bytes of a suffix of n digits
local DIGIT_FORMATS = {'%01d', '%02d', '%03d', '%04d', '%05d', '%06d', '%07d', '%08d', '%09d'}

-- x has bit b (a power of two) set; Lua 5.1 has no bitwise operators.
local function has(x, b) return floor(x / b) % 2 == 1 end

-- How a ts is stored after the previous one's (nil: none), as flag bits 32-64 of a path entry:
-- code 0 an i4 delta, 1 an absolute d, 2 an H delta (bits = 32 × code); and the value.
local function ts_code(prev, ts)
  local delta = prev and ts - prev
  if delta and delta >= 0 and delta < 65536 then return 2, delta end
  if delta and delta >= -2147483648 and delta < 2147483648 then return 0, delta end
  return 1, ts
end

-- s[i..j] as a list of byte values (string.byte returns them on the stack, so in slices).
local function bytes(s, i, j)
  if j - i < 4000 then return {byte(s, i, j)} end
  local t = {}
  while i <= j do
    local part = {byte(s, i, min(j, i + 3999))}
    for x = 1, #part do t[#t + 1] = part[x] end
    i = i + 4000
  end
  return t
end

-- n (0 <= n < 256^w) as w bytes, low first.
local function le(n, w)
  local t = {}
  for x = 1, w do
    t[x] = n % 256
    n = floor(n / 256)
  end
  return char(unpack(t))
end

-- A tail row's ts delta (see the layout).
local function ts_delta(d)
  if d == floor(d) then
    if d >= 0 and d < 49152 then return char(d % 256, floor(d / 256)) end
    local v = d - 49152
    if v >= 0 and v < 4194302 then
      local hi = floor(v / 256)
      return char(hi % 256, 192 + floor(hi / 256), v % 256)
    end
    if d >= -2147483648 and d < 2147483648 then return char(255, 255, 254) .. pack('<i4', d) end
  end
  return char(255, 255, 255) .. pack('<d', d)
end

-- A tail row's duration (see the layout).
local function duration(d)
  if d ~= floor(d) or d < 0 or d >= 281474976710655 then return char(0) .. pack('<d', d) end
  local u = d + 1
  if u < 128 then return char(u) end
  if u < 16384 then return char(u % 128 + 128, floor(u / 128)) end
  local t = {}
  while u >= 128 do
    t[#t + 1] = u % 128 + 128
    u = floor(u / 128)
  end
  t[#t + 1] = u
  return char(unpack(t))
end

-- Unpacks a whole column: its values as a list, and the position after it.
local function column(fmt_, raw, pos)
  local t = {upk('<' .. fmt_, raw, pos)}
  local after = t[#t]
  t[#t] = nil
  return t, after
end

-- The parts every call reads: the header, the user id and the name table (its coding at
-- coding_at, its suffixes at suffixes_at). The aggregates start at body_at, the tail at tail_at,
-- the digests at ids_at.
local raw = redis.call('GET', key)
local flags, blen, r, last_ts = 0, 0, 0, nil
local X, L, uid = 'B', 'B', nil
local CD, CC = {0, 0, 0}, {0, 0, 0} -- context digests and changes: ip, device, country
local UC = '' -- the user history check's two bytes, kept as they are
local tbl, index = {}, {} -- the name table and name -> index
local coding_at, suffixes_at, body_at, tail_at, ids_at
if raw then
  -- Flags are read by comparison and division (cheaper than has()): they stay below 128.
  local version, k, x, pos
  version, flags, k, x, pos = upk('<BBHB', raw, 1)
  if version ~= 6 then return redis.error_reply('unknown session state version') end
  if flags % 16 >= 8 then
    blen = x + 256 * byte(raw, pos)
    r = byte(raw, pos + 1)
    pos = pos + 2
  else
    r = x
  end
  if r > 0 then
    if flags % 32 >= 16 then
      last_ts, pos = upk('<d', raw, pos)
    else
      local lo, hi
      lo, hi, pos = upk('<I4H', raw, pos)
      last_ts = lo + I4 * hi
    end
  end
  local xw, lw = 1 + flags % 2, 1 + floor(flags / 2) % 2
  X = xw == 2 and 'H' or 'B'
  L = lw == 2 and 'H' or 'B'
  if flags % 8 >= 4 then
    local len
    len, pos = upk('<' .. L, raw, pos)
    uid = sub(raw, pos, pos + len - 1)
    pos = pos + len
  end
  if flags % 64 >= 32 then
    CD[1], CD[2], CD[3], CC[1], CC[2], CC[3], pos = upk('<HHHBBB', raw, pos)
  end
  if flags >= 64 then
    UC = sub(raw, pos, pos + 1)
    pos = pos + 2
  end
  local m
  m, coding_at = upk('<' .. X, raw, pos)
  -- The codings are 1 + L bytes each, so the suffixes start right after them, and one pass reads
  -- both; every name is its base's prefix and its suffix.
  local cw = 1 + lw
  suffixes_at = coding_at + cw * m
  local c = bytes(raw, coding_at, suffixes_at - 1)
  pos = suffixes_at
  for j = 1, m do
    local b, n, s, name = c[cw * j - lw], c[cw * j - lw + 1], 0, nil
    if lw == 2 then n = n + 256 * c[cw * j] end
    if b >= 16 then
      s = b % 16
      b = j - floor(b / 16)
    elseif b == 1 then
      b, s, pos = upk('<' .. X .. L, raw, pos)
      b = b + 1
    end
    if n % 2 == 0 then
      n = floor(n / 2)
      name = sub(raw, pos, pos + n - 1)
      pos = pos + n
    else
      -- A digit suffix, formatted back from its value.
      n = floor(n / 2)
      local w = DIGIT_BYTES[n]
      local b1, b2, b3, b4 = byte(raw, pos, pos + w - 1)
      local v = b1
      if w > 1 then
        v = v + 256 * b2
        if w > 2 then
          v = v + 65536 * b3
          if w > 3 then v = v + 16777216 * b4 end
        end
      end
      name = fmt(DIGIT_FORMATS[n], v)
      pos = pos + w
    end
    if s > 0 then name = sub(tbl[b], 1, s) .. name end
    tbl[j] = name
    index[name] = j - 1
  end
  body_at = pos
  tail_at = body_at + blen
  ids_at = #raw - 8 * k + 1
end

-- The index of a name, appended to the table when new.
local function name_index(name)
  local i = index[name]
  if not i then
    tbl[#tbl + 1] = name
    i = #tbl - 1
    index[name] = i
  end
  return i
end

-- names[from..] as the name table stores them, each coded on its base: the codings and the
-- suffixes. Appending names thus leaves the stored table as it is, and costs a look back over a
-- few names per new name.
local function code_names(names, from)
  local coded, suffixes = {}, {}
  for i = from, #names do
    local name, back, s = names[i], 0, 0
    local head = sub(name, 1, 2)
    for j = i - 1, max(1, i - BASE_WINDOW), -1 do
      if sub(names[j], 1, 2) == head then
        -- Both names' bytes from one call each: a call per byte would cost more than the compare.
        local n = min(#name, #names[j])
        local a, b = {byte(name, 1, n)}, {byte(names[j], 1, n)}
        while s < n and a[s + 1] == b[s + 1] do s = s + 1 end
        back = i - j
        break
      end
    end
    local c, extra = 0, ''
    if s > 0 and back <= 15 and s <= 15 then
      c = 16 * back + s
    elseif s > 0 then
      c, extra = 1, pack('<' .. X .. L, i - back - 1, s)
    end
    local suffix = sub(name, s + 1)
    local n = #suffix
    if n >= 1 and n <= 9 and not find(suffix, '%D') then
      coded[#coded + 1] = pack('<B' .. L, c, 2 * n + 1)
      suffixes[#suffixes + 1] = extra .. le(tonumber(suffix), DIGIT_BYTES[n])
    else
      coded[#coded + 1] = pack('<B' .. L, c, 2 * n)
      suffixes[#suffixes + 1] = extra .. suffix
    end
  end
  return concat(coded), concat(suffixes)
end

-- The context and the user history check (see the layout): empty until some attribute was seen.
local function context()
  if CD[1] + CD[2] + CD[3] == 0 then return '' end
  return pack('<HHHBBB', CD[1], CD[2], CD[3], CC[1], CC[2], CC[3]) .. UC
end

-- The header (see the layout) for the current X, L, user id and context.
local function header(k, aggregates, rows, last)
  local f, stamp = (X == 'H' and 1 or 0) + (L == 'H' and 2 or 0) + (uid and 4 or 0), ''
  if CD[1] + CD[2] + CD[3] > 0 then f = f + 32 + (UC ~= '' and 64 or 0) end
  if rows > 0 then
    if last == floor(last) and last >= 0 and last < 281474976710656 then
      local lo = last % I4
      stamp = pack('<I4H', lo, (last - lo) / I4)
    else
      f = f + 16
      stamp = pack('<d', last)
    end
  end
  if aggregates > 0 then
    return pack('<BBHHB', 6, f + 8, k, aggregates, rows) .. stamp
  end
  return pack('<BBHB', 6, f, k, rows) .. stamp
end

-- An id digest is remembered if this batch added it or it sits at an 8-byte boundary of the
-- stored digests (a plain find may also hit across two neighbours; those matches are skipped).
local batch_ids, added = {}, {}
local function remembered(d)
  if batch_ids[d] then return true end
  if not raw then return false end
  local p = find(raw, d, ids_at, true)
  while p do
    if (p - ids_at) % 8 == 0 then return true end
    p = find(raw, d, p + 1, true)
  end
  return false
end

-- The batch's new events, in order: ts, flags (1 action, 2 success known, 4 succeeded), name,
-- duration (false: none).
local ET, EF, EN, ED = {}, {}, {}, {}
local applied, dups = 0, 0
for i = 0, count - 1 do
  local b = 8 + i * 10
  local digest = ARGV[b + 6]
  local fresh = true
  if digest ~= '' then
    if #digest < 8 then return redis.error_reply('event id digest must be 8 bytes') end
    digest = sub(digest, -8)
    if remembered(digest) then
      fresh = false
    else
      batch_ids[digest] = true
      added[#added + 1] = digest
    end
  end
  if fresh then
    applied = applied + 1
    local user, succ, f = ARGV[b + 5], ARGV[b + 3], 0
    if user ~= '' then uid = user end
    for a = 1, 3 do
      local d = tonumber(ARGV[b + 6 + a])
      if d then
        if CD[a] == 0 then
          CD[a] = d
        elseif CD[a] ~= d then
          CD[a], CC[a] = d, min(255, CC[a] + 1)
        end
      end
    end
    if ARGV[b + 1] ~= '1' then
      f = 1
      if succ == '1' then f = 7 elseif succ ~= '' then f = 3 end
    end
    ET[applied], EF[applied], EN[applied], ED[applied] = tonumber(ARGV[b]), f, ARGV[b + 2], tonumber(ARGV[b + 4]) or false
  else
    dups = dups + 1
  end
end

if applied == 0 then
  -- Nothing changed: an all-duplicate batch only renews the time to live of an existing state.
  if not raw then return {0, dups, '', -2} end
  redis.call('PEXPIRE', key, ttl)
  return {0, dups, sub(raw, 1, ids_at - 1), ttl}
end

local ids = concat(added)
if raw then ids = sub(raw, ids_at) .. ids end
if #ids > id_cap * 8 then ids = sub(ids, -id_cap * 8) end

-- The common case: append the batch to the tail. The aggregates and the rows are copied as they
-- are; the name table gains the batch's new names at its end.
local m0, long = #tbl, uid and #uid > 255
for j = 1, applied do
  name_index(EN[j])
  long = long or #EN[j] > 127
end
if r + applied <= tail_cap and (X == 'H' or #tbl <= 255) and (L == 'H' or not long) then
  local rows, prev, fresh = {}, last_ts, m0
  for j = 1, applied do
    local dur, i = ED[j], index[EN[j]]
    -- The kind code of flags 0, 1, 3, 7 (view, action, failed, succeeded) is 0, 1, 2, 3.
    local f = EF[j]
    local h = (f == 7 and 3 or floor((f + 1) / 2)) + (dur and 4 or 0)
    if i == fresh then
      -- The first row of a name new to the table (new names take the next index, in order).
      rows[#rows + 1] = char(h)
      fresh = fresh + 1
    elseif i < 30 then
      rows[#rows + 1] = char(h + 8 * (i + 1))
    else
      rows[#rows + 1] = char(h + 248) .. pack('<' .. X, i)
    end
    if prev then rows[#rows + 1] = ts_delta(ET[j] - prev) end
    if dur then rows[#rows + 1] = duration(dur) end
    prev = ET[j]
  end
  local new_coding, new_suffixes = code_names(tbl, m0 + 1)
  local state = concat({
    header(#ids / 8, blen, r + applied, ET[applied]),
    uid and pack('<' .. L, #uid) .. uid or '', context(),
    pack('<' .. X, #tbl), raw and sub(raw, coding_at, suffixes_at - 1) or '', new_coding,
    raw and sub(raw, suffixes_at, body_at - 1) or '', new_suffixes,
    raw and sub(raw, body_at, ids_at - 1) or '',
    concat(rows)})
  redis.call('SET', key, state .. ids, 'PX', ttl)
  return {applied, dups, state, ttl}
end

-- The fold: read the aggregates, count the tail and then the batch into them, in arrival order,
-- and write them back with an empty tail.
local v = {n = 0, nv = 0, na = 0, nf = 0, ns = 0, ooo = 0, fs = 0, fsm = 0, g = 0,
           t0 = 0, t1 = 0, gs = 0, gq = 0, lg = 0, lgq = 0}
local first, last                  -- first and last as name indexes (0-based)
-- Per name: NI = {index, count, failures, attempts, durations} flattened, NS/NQ the sums; nj: name index -> entry.
local NI, NS, NQ, nj, nn = {}, {}, {}, {}, 0
-- Per transition: TI = {from, to, count} flattened, TS/TQ the sums; tj: from * 65536 + to -> entry.
local TI, TS, TQ, tj, nt = {}, {}, {}, {}, 0
local other                        -- the '~other' transition bucket {count, sum, sumsq}, if any
-- The recent path by column: flags (1 action, 2 success known, 4 succeeded, 8 duration), name, ts, duration (false: none).
local PF, PN, PT, PD = {}, {}, {}, {}
if blen > 0 then
  local aflags = byte(raw, body_at)
  local W = WIDTHS[aflags % 4 + 1]
  local D = has(aflags, 8) and 'I4' or 'H'
  local pos, k, d
  v.n, v.nv, v.na, v.nf, v.ns, v.ooo, v.fs, v.fsm, v.g, v.t0, v.t1, v.gs, v.gq, v.lg, v.lgq, first, last, pos =
    upk('<' .. rep(W, 9) .. 'dddddd' .. X .. X, raw, body_at + 1)
  nn, pos = upk('<H', raw, pos)
  NI, pos = column(rep(X .. W .. W .. W .. W, nn), raw, pos)
  k = 0
  for j = 1, nn do
    nj[NI[5 * j - 4]] = j
    k = k + min(NI[5 * j], 2)
  end
  d, pos = column(rep('d', k), raw, pos)
  k = 0
  for j = 1, nn do
    local dn, s, q = NI[5 * j], 0, 0
    if dn >= 1 then
      k = k + 1
      s = d[k]
      q = s * s
    end
    if dn >= 2 then
      k = k + 1
      q = d[k]
    end
    NS[j], NQ[j] = s, q
  end
  nt, pos = upk('<H', raw, pos)
  TI, pos = column(rep(X .. X .. W, nt), raw, pos)
  k = 0
  for j = 1, nt do
    tj[TI[3 * j - 2] * 65536 + TI[3 * j - 1]] = j
    k = k + min(TI[3 * j], 2)
  end
  d, pos = column(rep('d', k), raw, pos)
  k = 0
  for j = 1, nt do
    k = k + 1
    TS[j], TQ[j] = d[k], d[k] * d[k]
    if TI[3 * j] >= 2 then
      k = k + 1
      TQ[j] = d[k]
    end
  end
  if has(aflags, 4) then
    other = {0, 0, 0}
    other[1], other[2], pos = upk('<' .. W .. 'd', raw, pos)
    other[3] = other[2] * other[2]
    if other[1] >= 2 then other[3], pos = upk('<d', raw, pos) end
  end
  local pn, stored, tcodes, dcodes = 0, nil, {}, {}
  pn, pos = upk('<B', raw, pos)
  stored, pos = column(rep('B', pn), raw, pos)
  PN, pos = column(rep(X, pn), raw, pos)
  -- Flags stay below 128, and 32 and 64 never come together, so bits are read by comparison and
  -- division (cheaper than has()).
  for j = 1, pn do
    local f = stored[j]
    tcodes[j] = TS_CODES[floor(f / 32)]
    if f % 16 >= 8 then dcodes[#dcodes + 1] = f % 32 >= 16 and 'd' or D end
  end
  local ts, du
  ts, pos = column(concat(tcodes), raw, pos)
  du = column(concat(dcodes), raw, pos)
  local t, q = 0, 0
  for j = 1, pn do
    local f = stored[j]
    if floor(f / 32) == 1 then t = ts[j] else t = t + ts[j] end
    PF[j], PT[j], PD[j] = f % 16, t, false
    if f % 16 >= 8 then
      q = q + 1
      PD[j] = du[q]
    end
  end
end

-- The per-name entry an event of this name counts in: its own, or '~other' beyond the cap.
local function name_entry(name)
  local i = index[name]
  local j = i and nj[i]
  if j then return j end
  if nn >= name_cap then
    i = name_index('~other')
    j = nj[i]
    if j then return j end
  else
    i = name_index(name)
  end
  nn = nn + 1
  NI[5 * nn - 4], NI[5 * nn - 3], NI[5 * nn - 2], NI[5 * nn - 1], NI[5 * nn] = i, 0, 0, 0, 0
  NS[nn], NQ[nn] = 0, 0
  nj[i] = nn
  return nn
end

-- Counts a transition with log-gap lg in its entry, or in '~other' once the cap is reached (the
-- bucket counts towards the cap, as in SessionReducer).
local function add_transition(from, to, lg)
  local k = from * 65536 + to
  local j = tj[k]
  if not j and nt + (other and 1 or 0) >= tr_cap then
    other = other or {0, 0, 0}
    other[1], other[2], other[3] = other[1] + 1, other[2] + lg, other[3] + lg * lg
    return
  end
  if not j then
    nt = nt + 1
    j = nt
    TI[3 * j - 2], TI[3 * j - 1], TI[3 * j] = from, to, 0
    TS[j], TQ[j] = 0, 0
    tj[k] = j
  end
  TI[3 * j] = TI[3 * j] + 1
  TS[j] = TS[j] + lg
  TQ[j] = TQ[j] + lg * lg
end

-- Counts one event: flags f as the batch's (below 8), duration dur or false.
local function fold(ts, f, name, dur)
  v.n = v.n + 1
  if f % 2 == 1 then v.na = v.na + 1 else v.nv = v.nv + 1 end
  local j = name_entry(name)
  NI[5 * j - 3] = NI[5 * j - 3] + 1
  if f >= 2 then
    NI[5 * j - 1] = NI[5 * j - 1] + 1
    if f >= 4 then
      v.ns = v.ns + 1
      v.fs = 0
    else
      v.nf = v.nf + 1
      NI[5 * j - 2] = NI[5 * j - 2] + 1
      v.fs = v.fs + 1
      if v.fs > v.fsm then v.fsm = v.fs end
    end
  end
  if dur then
    f = f + 8
    local ld = log(1.0 + dur)
    NI[5 * j] = NI[5 * j] + 1
    NS[j] = NS[j] + ld
    NQ[j] = NQ[j] + ld * ld
  end

  local ni = name_index(name)
  if v.n == 1 then
    v.t0 = ts
    v.t1 = ts
    first = ni
    last = ni
  elseif ts >= v.t1 then
    local gap = (ts - v.t1) * 1.0
    local lg = log(1.0 + gap)
    v.g = v.g + 1
    v.gs = v.gs + gap
    v.gq = v.gq + gap * gap
    v.lg = v.lg + lg
    v.lgq = v.lgq + lg * lg
    add_transition(last, ni, lg)
    v.t1 = ts
    last = ni
  else
    v.ooo = v.ooo + 1
  end
  local p = #PF + 1
  PF[p], PN[p], PT[p], PD[p] = f, ni, ts, dur
end

-- The tail's rows, read whole first: the first row's ts is known only from the last one's, less
-- the deltas between, and a row of name code 0 names the next of the names the tail added, which
-- are the table's last as it was before this batch (m0 names).
if r > 0 then
  local c, o = bytes(raw, tail_at, ids_at - 1), tail_at - 1
  local q, xw = tail_at, X == 'H' and 2 or 1
  local RF, RN, RT, RD, fresh = {}, {}, {}, {}, 0
  for j = 1, r do
    local h = c[q - o]
    q = q + 1
    local nc, dt, dur = floor(h / 8), 0, false
    if nc == 0 then
      fresh = fresh + 1
      nc = -fresh
    elseif nc < 31 then
      nc = nc - 1
    else
      nc = c[q - o]
      if xw == 2 then nc = nc + 256 * c[q - o + 1] end
      q = q + xw
    end
    if j > 1 then
      dt = c[q - o] + 256 * c[q - o + 1]
      q = q + 2
      if dt >= 49152 then
        dt = 256 * (dt - 49152) + c[q - o]
        q = q + 1
        if dt < 4194302 then
          dt = dt + 49152
        elseif dt == 4194302 then
          dt, q = upk('<i4', raw, q)
        else
          dt, q = upk('<d', raw, q)
        end
      end
    end
    if h % 8 >= 4 then
      local u, mul, b = 0, 1, 128
      while b >= 128 do
        b = c[q - o]
        q = q + 1
        u = u + (b % 128) * mul
        mul = mul * 128
      end
      if u == 0 then dur, q = upk('<d', raw, q) else dur = u - 1 end
    end
    local kc = h % 4
    RF[j], RN[j], RT[j], RD[j] = kc == 3 and 7 or kc == 2 and 3 or kc, nc, dt, dur
  end
  local ts = last_ts
  for j = r, 1, -1 do
    local dt = RT[j]
    RT[j] = ts
    ts = ts - dt
  end
  for j = 1, r do
    local nc = RN[j]
    if nc < 0 then nc = m0 - fresh - nc - 1 end
    fold(RT[j], RF[j], tbl[nc + 1], RD[j])
  end
end
for j = 1, applied do fold(ET[j], EF[j], EN[j], ED[j]) end

local p0, pn = max(1, #PF - path_cap + 1), #PF

-- The table keeps only the names something refers to, renumbered in table order. Below the name
-- cap every name is tracked, and tracked names stay, so only beyond it can a name leave (with the
-- path or the last name) and the table need this pass.
local kept = tbl
if nn >= name_cap then
  local used = {[first] = true, [last] = true}
  for j = 1, nn do used[NI[5 * j - 4]] = true end
  for j = 1, nt do
    used[TI[3 * j - 2]] = true
    used[TI[3 * j - 1]] = true
  end
  for j = p0, pn do used[PN[j]] = true end
  local renumber = {}
  kept = {}
  for i = 1, #tbl do
    if used[i - 1] then
      kept[#kept + 1] = tbl[i]
      renumber[i - 1] = #kept - 1
    end
  end
  if #kept < #tbl then
    first, last = renumber[first], renumber[last]
    for j = 1, nn do NI[5 * j - 4] = renumber[NI[5 * j - 4]] end
    for j = 1, nt do
      TI[3 * j - 2] = renumber[TI[3 * j - 2]]
      TI[3 * j - 1] = renumber[TI[3 * j - 1]]
    end
    for j = p0, pn do PN[j] = renumber[PN[j]] end
  end
end

local wi = v.n < 256 and 1 or v.n < 65536 and 2 or v.n < I4 and 3 or 4
local W = WIDTHS[wi]
X = #kept <= 255 and 'B' or 'H'
local aflags = wi - 1
if other then aflags = aflags + 4 end
L = uid and #uid > 255 and 'H' or 'B'
for i = 1, #kept do
  if #kept[i] > 127 then L = 'H' end
end
local D = 'H'
for j = p0, pn do
  if PD[j] and PD[j] >= 65536 and PD[j] < I4 then D = 'I4' end
end
if D == 'I4' then aflags = aflags + 8 end

local out = {pack('<B' .. rep(W, 9) .. 'dddddd' .. X .. X,
  aflags, v.n, v.nv, v.na, v.nf, v.ns, v.ooo, v.fs, v.fsm, v.g, v.t0, v.t1, v.gs, v.gq, v.lg, v.lgq, first, last)}
local d = {}
for j = 1, nn do
  if NI[5 * j] >= 1 then d[#d + 1] = NS[j] end
  if NI[5 * j] >= 2 then d[#d + 1] = NQ[j] end
end
out[#out + 1] = pack('<H' .. rep(X .. W .. W .. W .. W, nn), nn, unpack(NI, 1, 5 * nn))
out[#out + 1] = pack('<' .. rep('d', #d), unpack(d))
d = {}
for j = 1, nt do
  d[#d + 1] = TS[j]
  if TI[3 * j] >= 2 then d[#d + 1] = TQ[j] end
end
out[#out + 1] = pack('<H' .. rep(X .. X .. W, nt), nt, unpack(TI, 1, 3 * nt))
out[#out + 1] = pack('<' .. rep('d', #d), unpack(d))
if other then
  out[#out + 1] = pack('<' .. W .. 'd', other[1], other[2])
  if other[1] >= 2 then out[#out + 1] = pack('<d', other[3]) end
end
local fcol, tcodes, tvals, dcodes, dvals, prev = {}, {}, {}, {}, {}, nil
for j = p0, pn do
  local f, ts, dur = PF[j], PT[j], PD[j]
  if dur then
    if dur < I4 then
      dcodes[#dcodes + 1] = D
    else
      dcodes[#dcodes + 1] = 'd'
      f = f + 16
    end
    dvals[#dvals + 1] = dur
  end
  local tc, tv = ts_code(prev, ts)
  tcodes[#tcodes + 1] = TS_CODES[tc]
  tvals[#tvals + 1] = tv
  fcol[#fcol + 1] = f + 32 * tc
  prev = ts
end
out[#out + 1] = pack('<B' .. rep('B', #fcol), #fcol, unpack(fcol))
out[#out + 1] = pack('<' .. rep(X, #fcol), unpack(PN, p0, pn))
out[#out + 1] = pack('<' .. concat(tcodes), unpack(tvals))
out[#out + 1] = pack('<' .. concat(dcodes), unpack(dvals))
local body = concat(out)
-- Far above what the caps allow (about 15 KB with SessionLimits' defaults and 8-byte counts).
if #body >= 65536 then return redis.error_reply('session aggregates exceed 64 KB; lower the caps') end
out = {header(#ids / 8, #body, 0)}
if uid then
  out[#out + 1] = pack('<' .. L, #uid)
  out[#out + 1] = uid
end
out[#out + 1] = context()
local coding, suffixes = code_names(kept, 1)
out[#out + 1] = pack('<' .. X, #kept) .. coding
out[#out + 1] = suffixes
out[#out + 1] = body
local state = concat(out)
redis.call('SET', key, state .. ids, 'PX', ttl)
return {applied, dups, state, ttl}
