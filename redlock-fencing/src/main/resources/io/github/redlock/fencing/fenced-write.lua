-- A fenced write into Redis (io.github.redlock.fencing.RedisFencedWrites): the write happens only when
-- the token is not older than the highest token accepted for the resource, and the mark advances.
-- KEYS[1]: the resource's high-water mark (a decimal string); KEYS[2]: the data key (none for 'claim').
-- ARGV[1]: the token, a decimal integer from 0 to 2^53-1; ARGV[2]: 'claim', 'set', 'hset' or 'del';
-- ARGV[3..]: the operation's arguments (set: value; hset: field, value, field, value, ...).
-- Replies {1, token} when accepted, {0, mark} when stale. Numbers are compared with tonumber, which is
-- exact below 2^53, and never turned back into strings: the mark is stored as the caller's own digits.
local token = tonumber(ARGV[1])
if token == nil or token < 0 or token > 9007199254740991 or token ~= math.floor(token) then
  return redis.error_reply('ERR fencing token is not an integer from 0 to 2^53-1: ' .. ARGV[1])
end
local op = ARGV[2]
if op ~= 'claim' and op ~= 'set' and op ~= 'hset' and op ~= 'del' then
  return redis.error_reply('ERR unknown fenced operation: ' .. op)
end
local stored = redis.call('GET', KEYS[1])
local mark = nil
if stored then
  mark = tonumber(stored)
  if mark == nil then
    return redis.error_reply('ERR the fencing mark ' .. KEYS[1] .. ' holds no number')
  end
  if token < mark then
    return {0, stored}
  end
end
-- The data first: if it fails (a key of another type), the script stops before the mark moves.
if op == 'set' then
  redis.call('SET', KEYS[2], ARGV[3])
elseif op == 'hset' then
  redis.call('HSET', KEYS[2], unpack(ARGV, 3))
elseif op == 'del' then
  redis.call('DEL', KEYS[2])
end
if mark == nil or token > mark then
  redis.call('SET', KEYS[1], ARGV[1])
end
return {1, ARGV[1]}
