-- Where the user id of a packed session state (layout 6, apply_events.lua's) starts and how many
-- bytes it has (0 when the flags say the state holds none). Included by the scripts that read the
-- header up to the user id (session_user_mark.lua, apply_then_check.lua), so one walk serves both.
-- The header: B version, B flags, H k, [H aggregates' length], B rows, [last row's ts: 6 bytes, or
-- a d], [user id: B length (H with flag 2), bytes], then the context.
local function packed_user_field(raw, flags)
  local byte = string.byte
  local pos = 5
  if flags % 16 >= 8 then pos = pos + 2 end
  local rows = byte(raw, pos)
  pos = pos + 1
  if rows > 0 then
    if flags % 32 >= 16 then pos = pos + 8 else pos = pos + 6 end
  end
  if flags % 8 < 4 then return pos, 0 end
  local len = byte(raw, pos)
  if flags % 4 >= 2 then
    return pos + 2, len + 256 * byte(raw, pos + 1)
  end
  return pos + 1, len
end
