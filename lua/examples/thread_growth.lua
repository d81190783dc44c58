-- thread_growth.lua — a thread count that keeps growing is a bug: fail on it, and show who starts the threads.
--
--   memlens script lua/examples/thread_growth.lua --duration 5m -- ./server
--
-- The standard library's "thread-growth" heuristic watches the thread count; this script
-- makes it stricter (any rise of 3 threads a minute over 30 s), caps the count with a
-- budget, and at the end prints a goroutine-style dump: the live threads grouped by the
-- call stack that created them. MAX_THREADS overrides the cap.

local std = require "memlens.std"
std.settings.threads.min_rate = 3 / 60 -- threads per second
std.settings.threads.window = "30s"

budget "threads" { max = tonumber(os.getenv("MAX_THREADS")) or 256 }

on_exit(function(t)
	local groups, order = {}, {}
	for _, th in ipairs(memlens.threads()) do
		local key = th.created_by and th.created_by.label or "(main thread or not seen created)"
		if not groups[key] then
			groups[key] = { n = 0, exited = 0 }
			order[#order + 1] = key
		end
		local g = groups[key]
		g.n = g.n + 1
		if th.exited then
			g.exited = g.exited + 1
		end
	end
	table.sort(order, function(a, b) return groups[a].n > groups[b].n end)
	print("threads by creator:")
	for _, key in ipairs(order) do
		local g = groups[key]
		print(string.format("  %5d threads (%d exited)  %s", g.n, g.exited, key))
	end
end)
