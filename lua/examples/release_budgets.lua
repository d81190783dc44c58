-- release_budgets.lua — the budget table of a release checklist, checked instead of filled in by hand.
--
--   memlens script lua/examples/release_budgets.lua --duration 2m -- ./server --bench
--
-- One line per row of the checklist; the report at the end prints the table (budget,
-- limit, observed, peak, ok/VIOLATED) and the exit status is 100 when any row fails.

budget "heap.live"   { max = "512MiB" }
budget "heap.peak"   { max = "768MiB" }
budget "rss"         { max = "1GiB", sustained = "10s" } -- a short spike is allowed
budget "threads"     { max = 64 }
budget "alloc.rate"  { max = "256MiB/s", window = "5s" }
budget "mmap.live"   { max = "256MiB" }

-- a figure of your own: the mean size of an allocation (a flood of huge buffers shows here)
budget "mean.alloc" {
	unit = "bytes",
	max = "64KiB",
	value = function()
		local heap = memlens.sample().heap
		return heap.allocs > 0 and heap.bytes / heap.allocs or 0
	end,
}

on_exit(function()
	print("release checklist, memory:")
	print(require("memlens.report").budget_table())
end)
