-- nightly_growth.lua — fail the nightly job if the heap, after warm-up, grows more than 50 KiB a minute.
--
--   memlens script lua/examples/nightly_growth.lua --duration 30m -- ./server --replay nightly.log
--
-- heap.growth is the slope of the live heap (a least-squares line through the samples of
-- the window), in bytes per second. The budget is not checked during warm-up, nor before the
-- window has half filled. Exit status 100 when it is exceeded (a CI failure), 0 otherwise.
-- MAX, WARMUP and WINDOW in the environment override the defaults below.

local env = os.getenv

budget "heap.growth" {
	max = env("MAX") or "50KiB/min",
	after = env("WARMUP") or "2m",
	window = env("WINDOW") or "10m",
	description = "heap growth after warm-up",
}

on_exit(function(t)
	for _, b in ipairs(memlens.budgets()) do
		if b.metric == "heap.growth" and b.value then
			print(string.format("heap growth over the last %s: %s/min (limit %s/min)", env("WINDOW") or "10m",
				memlens.fmt.bytes(b.value * 60), memlens.fmt.bytes(b.max * 60)))
		end
	end
end)
