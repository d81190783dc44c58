-- tests/lua/api.lua — checks of the memlens Lua API, run through the embedded host by
-- tests/shell/lua_api.sh against tests/progs/sleeper (-n 250 -i 10: 250 ticks of 10 ms, each
-- keeping a 4096-byte block from main and freeing a temporary). Prints "ok: ..." or
-- "FAIL: ..." per check; exits (memlens.exit) 0 when all held, 1 otherwise.

local failed = 0

local function check(ok, what, got)
	if ok then
		print("ok: " .. what)
	else
		failed = failed + 1
		print("FAIL: " .. what .. (got ~= nil and (" (got " .. tostring(got) .. ")") or ""))
	end
end

local function raises(f, pattern, what)
	local ok, err = pcall(f)
	check(not ok and tostring(err):find(pattern) ~= nil, what, err)
end

local function near(a, b, eps)
	return a ~= nil and b ~= nil and math.abs(a - b) <= (eps or 1e-9)
end

-- at load time: parsing and formatting need no target
check(memlens.size("512MiB") == 512 * 1024 * 1024, "size 512MiB")
check(memlens.size("1.5GB") == 1500000000, "size 1.5GB")
check(memlens.size(4096) == 4096, "size of a number")
check(math.type(memlens.size("4k")) == "integer", "size is an integer")
raises(function() memlens.size("12 parsecs") end, "bad value '12 parsecs' %(expected a size", "size rejects 12 parsecs")
check(near(memlens.duration("250ms"), 0.25), "duration 250ms")
check(near(memlens.duration("5m"), 300), "duration 5m")
raises(function() memlens.duration("soon") end, "expected a duration", "duration rejects 'soon'")
check(near(memlens.rate("50KiB/min"), 50 * 1024 / 60), "rate 50KiB/min")
check(near(memlens.rate("1MiB/s"), 1048576), "rate 1MiB/s")
check(near(memlens.rate("1MiB/10s"), 104857.6), "rate 1MiB/10s")
check(memlens.fmt.bytes(1536) == "1.5 KiB", "fmt.bytes 1536", memlens.fmt.bytes(1536))
check(memlens.fmt.count(1234567) == "1,234,567", "fmt.count", memlens.fmt.count(1234567))
check(memlens.fmt.duration(0.25) == "250 ms", "fmt.duration 0.25", memlens.fmt.duration(0.25))
check(memlens.fmt.duration(200) == "3m20s", "fmt.duration 200", memlens.fmt.duration(200))
check(memlens.fmt.rate(2048) == "2.0 KiB/s", "fmt.rate", memlens.fmt.rate(2048))
check(memlens.fmt.value(3, "count") == "3", "fmt.value count")
raises(function() memlens.fmt.value(3, "parsecs") end, "invalid option 'parsecs'", "fmt.value rejects a unit")

-- statistics on plain arrays
local s = memlens.stats
local slope, r2, icept = s.linreg({ 3, 5, 7, 9 })
check(near(slope, 2) and near(r2, 1) and near(icept, 1), "linreg of 3,5,7,9: slope 2, r2 1, intercept 1")
slope, r2 = s.linreg({ 1, 2, 1, 2, 1, 2 }, { 1, 2, 3, 4, 5, 6 })
check(slope > 0 and r2 < 0.2, "linreg of a zigzag: poor fit", r2)
check(s.linreg({ 5 }) == nil, "linreg of one point is nil")
check(s.percentile({ 1, 2, 3, 4, 5 }, 50) == 3, "percentile 50")
check(near(s.percentile({ 10, 20 }, 25), 12.5), "percentile interpolates")
check(s.median({ 9, 1, 5 }) == 5, "median")
check(s.mean({ 1, 2, 3 }) == 2 and s.sum({ 1, 2, 3 }) == 6, "mean, sum")
check(s.min({ 4, 2, 8 }) == 2 and s.max({ 4, 2, 8 }) == 8, "min, max")
check(near(s.stddev({ 2, 4, 4, 4, 5, 5, 7, 9 }), 2), "stddev")
check(near(s.rate({ 0, 10, 20 }, { 0, 1, 2 }), 10), "rate with xs")
raises(function() s.mean({ 1, "x" }) end, "element 2 is not a number", "stats reject a non-number")

-- matching without a target
check(memlens.match("parse_expr", "^parse_"), "match a string")
check(not memlens.match("lex", "^parse_"), "no match")
raises(function() memlens.match("x", "(") end, "bad regex '%(': at offset 1: missing closing parenthesis",
	"bad regex raises")

raises(function() memlens.sample() end, "no target yet", "sample at load time")

-- the declarative layer
budget "heap.live" { max = "64MiB" }
budget("threads", { max = 8 })
budget "queue" { value = function() return 3 end, max = 10, unit = "count" }
local violations = 0
budget "heap.blocks" { max = 100, on_violation = function(b) violations = violations + 1 end }

local seen = {}
heuristic "mains" {
	every = "1s",
	check = function(site, h)
		if site:match("^main$") and site.live_bytes >= 4096 then
			seen.site, seen.h = site, h
			return { score = site.live_bytes, reason = "main holds " .. memlens.fmt.bytes(site.live_bytes) }
		end
	end,
}
heuristic "whole" {
	every = "1s",
	scope = "process",
	check = function(sample, h)
		seen.process = seen.process or (h.heap_live ~= nil and #h.threads > 0)
		return 7, "the process"
	end,
}

local samples = 0
on_sample(function(x)
	samples = samples + 1
	if samples == 1 then
		check(type(x.t) == "number" and x.pid > 0, "sample has t and pid")
		check(x.heap ~= nil and x.heap.live >= 0 and x.rss > 0 and x.threads >= 1, "sample heap, rss, threads")
	end
end)

on_exit(function(t)
	check(samples > 10, "on_sample ran at every sample", samples)
	check(t.reason == "target-ended" and t.state == "exited" and t.exit_code == 0, "on_exit gets the end", t.reason)
	check(t.command[1]:find("sleeper$") ~= nil, "target command", t.command[1])

	-- sites
	local top = memlens.sites { sort = "live", top = 3 }
	check(#top >= 1 and top[1].live_bytes >= top[#top].live_bytes, "sites sorted by live bytes")
	local mains = memlens.sites { match = "^main$", top = 0 }
	check(#mains >= 1, "sites matching ^main$")
	local m = mains[1]
	check(m.live_bytes == 250 * 4096 and m.live_blocks == 250, "main's site: 250 blocks of 4096 live", m.live_bytes)
	check(m.allocs == 250 and m.frees == 0 and m.bytes == 250 * 4096, "main's site: counters")
	check(m.func == "main" and m.file:find("sleeper%.c$") and m.line > 0, "main's site: func, file, line")
	check(m.label:find("^main %(sleeper%.c:%d+%)$") ~= nil, "label", m.label)
	check(m.kind == "heap" and type(m.id) == "number", "kind and id")
	check(memlens.site(m.id) == m, "memlens.site(id) is the same object")
	check(#m.frames >= 2 and m.frames[1].func == "main", "frames")
	check(tostring(m):find("^site %d+: main") ~= nil, "tostring(site)", tostring(m))

	-- its history: a point a second, growing by ~100 blocks a second
	local h = m.history
	check(#h >= 2 and h.n == #h and h.period == memlens.history.period, "history length and period", #h)
	local live = h.live_bytes
	check(#live == #h and live[#live] == 250 * 4096, "history of live bytes ends at 250 blocks", live[#live])
	local sl, fit = s.linreg(live)
	check(sl ~= nil and sl > 50 * 4096 and sl < 150 * 4096 and fit > 0.9, "linreg of the history: ~100 blocks/s", sl)
	local t1 = live:time(1)
	check(type(t1) == "number" and live:time(#live) > t1, "view times")
	check(#live:values() == #live and #live:times() == #live, "view values and times as tables")
	check(h.allocs[#h.allocs] == 250 and h.frees[#h.frees] == 0, "history of allocs and frees")
	check(s.rate(h.allocs) > 50, "rate over a view")
	check(#s.window(live, 1) <= 2, "stats.window keeps the last second")

	-- process series
	local heap = memlens.series("heap.live")
	check(#heap > 10 and heap[#heap] >= 0, "series heap.live", #heap)
	check(#memlens.series("threads", "1s") <= 12, "series with a window")
	raises(function() memlens.series("heap.lve") end, "unknown series 'heap.lve' %(one of heap.live", "unknown series")

	-- threads
	local th = memlens.threads()
	check(#th >= 1 and th[1].tid == t.pid, "threads: the main thread first", th[1] and th[1].tid)

	-- live blocks: 250 of 4096 from main
	local blocks = memlens.blocks { site = m, min_size = 4096 }
	check(#blocks == 0 or blocks[1].size == 4096, "blocks of main's site", #blocks)

	-- budgets
	local b = {}
	for _, x in ipairs(memlens.budgets()) do
		b[x.name] = x
	end
	check(b["heap.live"] and b["heap.live"].status == "ok" and b["heap.live"].peak >= 250 * 4096, "budget heap.live ok")
	check(b.threads and b.threads.value == 1, "budget threads: 1 thread")
	check(b.queue and b.queue.value == 3 and b.queue.unit == "count", "custom budget value")
	check(b["heap.blocks"] and b["heap.blocks"].status == "violated" and violations == 1, "on_violation ran once",
		violations)

	-- findings
	local found = {}
	for _, f in ipairs(memlens.findings()) do
		found[f.heuristic] = f
	end
	check(found.mains and found.mains.site == m and found.mains.fired and found.mains.reason:find("^main holds"),
		"a site finding")
	check(found.whole and found.whole.site == nil and found.whole.score == 7, "a process finding")
	check(seen.process == true, "process history has series")
	check(#memlens.errors() == 0, "no script errors")

	memlens.exit(failed == 0 and 0 or 1)
end)
