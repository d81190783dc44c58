-- memlens/std/churn.lua — "churn": a site allocating many short-lived blocks of one size (copies, temporaries in a loop).
--
-- Over the history window the site allocates min_rate blocks a second or more, all of one
-- size (every interval's bytes are that size times its allocations, to within one block),
-- of min_size or more, and frees them quickly: the mean lifetime (Little's law: mean live
-- blocks / allocation rate) is under max_lifetime. Score: bytes allocated per second; it
-- fires above 64 MiB/s (below, it is listed as a finding under its threshold).

local memlens = require "memlens"
local std = require "memlens.std"
local stats, fmt = memlens.stats, memlens.fmt
local num = std.num

-- The one size of the blocks allocated in every interval, or nil (allocs and bytes: arrays).
local function one_size(allocs, bytes)
	local n = #allocs
	local total = allocs[n] - allocs[1]
	if total <= 0 then
		return nil
	end
	local size = math.floor((bytes[n] - bytes[1]) / total + 0.5)
	for i = 2, n do
		local a, b = allocs[i] - allocs[i - 1], bytes[i] - bytes[i - 1]
		if math.abs(b - size * a) > size then
			return nil
		end
	end
	return size
end

heuristic "churn" {
	every = "5s",
	category = "copy",
	unit = "bytes/s",
	threshold = 64 * 1024 * 1024,
	description = "many short-lived blocks of one size",
	check = function(site, h)
		local S = std.settings.churn
		local allocs = h.allocs
		local n = #allocs
		if n < 3 then
			return nil
		end
		local rate = stats.rate(allocs)
		if not rate or rate < num(S.min_rate, memlens.rate) then
			return nil
		end
		local size = one_size(allocs:values(), h.bytes:values())
		if not size or size < num(S.min_size, memlens.size) then
			return nil
		end
		local lifetime = stats.mean(h.live_blocks) / rate
		if lifetime > num(S.max_lifetime, memlens.duration) then
			return nil
		end
		return {
			score = rate * size,
			reason = string.format("%s blocks/s of %s (%s), each freed after %s on average: copies?",
				fmt.count(math.floor(rate)), fmt.bytes(size), fmt.rate(rate * size), fmt.duration(lifetime)),
		}
	end,
}
