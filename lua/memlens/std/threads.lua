-- memlens/std/threads.lua — "thread-growth": the thread count keeps rising (threads started and never joined: goroutine-style leaks).
--
-- A fixed pool starts its threads and keeps them; a leak starts more and more. Over the
-- window (60 s) the thread count must fit a rising line (r² ≥ min_r2) at min_rate threads
-- a second or more, have grown by min_growth, and be at its highest now. The reason names
-- the call stack that created most of the threads still running. Score: threads per second.

local memlens = require "memlens"
local std = require "memlens.std"
local stats, fmt = memlens.stats, memlens.fmt
local num = std.num

-- The creation site of most running threads, and how many.
local function main_creator()
	local count, best, most = {}, nil, 0
	for _, t in ipairs(memlens.threads()) do
		if not t.exited and t.created_by then
			local n = (count[t.created_by] or 0) + 1
			count[t.created_by] = n
			if n > most then
				best, most = t.created_by, n
			end
		end
	end
	return best, most
end

heuristic "thread-growth" {
	every = "5s",
	scope = "process",
	window = "60s",
	category = "threads",
	unit = "count/s",
	description = "the number of threads keeps growing",
	check = function(s, h)
		local S = std.settings.threads
		local threads = stats.window(h.threads, num(S.window, memlens.duration))
		local n = #threads
		if n < 2 or threads:time(n) - threads:time(1) < num(S.min_span, memlens.duration) then
			return nil
		end
		local slope, r2 = stats.linreg(threads)
		local low, high = stats.min(threads), stats.max(threads)
		if not slope or slope < S.min_rate or r2 < S.min_r2 or high - low < S.min_growth or threads[n] < high then
			return nil
		end
		local span = threads:time(n) - threads:time(1)
		local reason = string.format("threads %d -> %d in %s (+%.2g/s, r2=%.2f)", math.tointeger(low) or low,
			math.tointeger(threads[n]) or threads[n], fmt.duration(span), slope, r2)
		local site, most = main_creator()
		if site then
			reason = reason .. string.format("; %d running threads were created at %s", most, site.label)
		end
		return { score = slope, reason = reason, site = site }
	end,
}
