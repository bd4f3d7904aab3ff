-- Reads a page of a feed partition after a sequence number, together with the partition's head, in one
-- atomic step: "head > after and no record after it" then reliably means "trimmed", never "in flight".
-- KEYS[1] seq string, KEYS[2] log sorted set (see alert_append.lua)
-- ARGV[1] after seq, ARGV[2] page size (0 = head only)
-- Returns { head, { record, ... } }
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local records = {}
if tonumber(ARGV[2]) > 0 then
  records = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[2]))
end
return { head, records }
