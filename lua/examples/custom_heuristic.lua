-- custom_heuristic.lua — a leak heuristic of your own, in place of the standard one.
--
--   memlens script lua/examples/custom_heuristic.lua -- ./server
--
-- check(site, history) runs every 5 s for each site that changed within the history window
-- (30 points, one a second). It returns nothing, or a score and a reason; a finding whose
-- score is above the threshold "fires" (exit status 101). This one flags sites whose live
-- bytes rise faster than 20 KiB/s on a straight line, and replaces the standard
-- "steady-growth" by taking its name.

heuristic "steady-growth" {
	every = "5s",
	unit = "bytes/s",
	check = function(site, h)
		if h.span < 8 then
			return nil -- too little history yet
		end
		local slope, r2 = memlens.stats.linreg(h.live_bytes)
		if slope and slope > 20 * 1024 and r2 > 0.8 then
			return { score = slope, reason = memlens.fmt.rate(slope) .. ", r2=" .. string.format("%.2f", r2) }
		end
	end,
}

-- the standard library's other leak heuristics stay; drop the ones this program trips on:
memlens.remove("unbounded-count")
