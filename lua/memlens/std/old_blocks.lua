-- memlens/std/old_blocks.lua — "old-blocks": a site that keeps allocating while its oldest live block is older than a threshold.
--
-- The leak detectors that watch block ages (memleax, libleak) flag blocks alive longer than
-- a threshold. Data kept for the whole run (tables built at start-up) would be flagged too,
-- so only sites that are still allocating (active within the history window) count: a
-- site that allocates all the time and never frees its first blocks is leaking them.
-- Needs the live blocks (captured before each evaluation). Score: the site's live bytes.

local memlens = require "memlens"
local std = require "memlens.std"
local fmt = memlens.fmt
local num = std.num

heuristic "old-blocks" {
	every = "10s",
	category = "leak",
	unit = "bytes",
	blocks = true,
	description = "an allocating site whose oldest live block is older than a threshold",
	check = function(site, h)
		local S = std.settings.old_blocks
		local age = site.oldest_age
		if not age or age < num(S.age, memlens.duration) or site.live_bytes < num(S.min_bytes, memlens.size) then
			return nil
		end
		local allocs = h.allocs
		if #allocs < 2 or allocs[#allocs] == allocs[1] then
			return nil
		end
		return {
			score = site.live_bytes,
			reason = string.format("oldest of its %s live blocks (%s) is %s old, and it allocated %s more in %s",
				fmt.count(site.live_blocks), fmt.bytes(site.live_bytes), fmt.duration(age),
				fmt.count(allocs[#allocs] - allocs[1]), fmt.duration(h.span)),
		}
	end,
}
