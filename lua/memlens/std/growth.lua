-- memlens/std/growth.lua — "steady-growth": a site whose live bytes grow along a straight line over the history window.
--
-- A leak grows; a cache that fills and then evicts, or a buffer that is allocated and freed,
-- does not. Over the history window (30 s, a point a second) the live bytes must fit a rising
-- line (r² ≥ min_r2) at min_rate or more, by min_growth bytes at least, and still be rising
-- in the last third of the window (a cache that filled early has a rising fit but a flat end).
-- Score: the slope, in bytes per second.

local memlens = require "memlens"
local std = require "memlens.std"
local stats, fmt = memlens.stats, memlens.fmt
local num = std.num

heuristic "steady-growth" {
	every = "5s",
	category = "leak",
	unit = "bytes/s",
	description = "live bytes of a site grow steadily over the history window",
	check = function(site, h)
		local S = std.settings.growth
		local span = h.span
		if span < num(S.min_span, memlens.duration) then
			return nil
		end
		if S.after ~= 0 and memlens.now() < num(S.after, memlens.duration) then
			return nil
		end
		local live = h.live_bytes
		local slope, r2 = stats.linreg(live)
		if not slope or slope < num(S.min_rate, memlens.rate) or r2 < S.min_r2 then
			return nil
		end
		if live[#live] - live[1] < num(S.min_growth, memlens.size) then
			return nil
		end
		local recent = stats.rate(live, span / 3)
		if not recent or recent < slope / 4 then
			return nil
		end
		return {
			score = slope,
			reason = string.format("live bytes grow %s over %s (r2=%.2f): %s in %s blocks now",
				fmt.rate(slope), fmt.duration(span), r2, fmt.bytes(site.live_bytes), fmt.count(site.live_blocks)),
		}
	end,
}
