-- memlens/std/unbounded.lua — "unbounded-count": a site whose number of live blocks only ever goes up (a cache without eviction).
--
-- A bounded cache reaches its size and stays there; a cache without eviction, or a list
-- nobody trims, keeps adding blocks. Over the history window the live block count must rise
-- in at least `monotone` of the intervals where it changed, never fall back below an earlier
-- point by more than 1 %, gain min_blocks at least, and still gain in the last third of
-- the window (a cache that filled up early and then evicts does not).
-- Score: blocks added per second.

local memlens = require "memlens"
local std = require "memlens.std"
local stats, fmt = memlens.stats, memlens.fmt
local num = std.num

heuristic "unbounded-count" {
	every = "5s",
	category = "leak",
	unit = "count/s",
	description = "the number of live blocks of a site only ever grows",
	check = function(site, h)
		local S = std.settings.unbounded
		local span = h.span
		if span < num(S.min_span, memlens.duration) then
			return nil
		end
		local view = h.live_blocks
		local n = #view
		local gain = view[n] - view[1]
		if gain < S.min_blocks then
			return nil
		end
		local blocks = view:values() -- a plain array: indexing a view calls into C each time
		local up, changed, high = 0, 0, blocks[1]
		for i = 2, n do
			local b = blocks[i]
			local d = b - blocks[i - 1]
			if d ~= 0 then
				changed = changed + 1
				if d > 0 then
					up = up + 1
				end
			end
			if b < high * 0.99 then
				return nil
			end
			if b > high then
				high = b
			end
		end
		if changed == 0 or up / changed < S.monotone or blocks[n] < high then
			return nil
		end
		local recent = stats.window(view, span / 3)
		if recent[#recent] <= recent[1] then
			return nil
		end
		local rate = gain / span
		return {
			score = rate,
			reason = string.format("live blocks only grow: +%s in %s (%s/s), %s live, %s freed ever",
				fmt.count(gain), fmt.duration(span), string.format("%.3g", rate), fmt.count(site.live_blocks),
				fmt.count(site.frees)),
		}
	end,
}
