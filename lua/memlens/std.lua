-- memlens/std.lua — the standard heuristics, loaded by default (memlens script --no-stdlib skips them).
--
-- Each heuristic reads its settings from std.settings.<name> at every evaluation, so a
-- script tunes them in place:
--     local std = require "memlens.std"
--     std.settings.growth.min_rate = "10KiB/min"
-- or replaces a heuristic by defining one of the same name, or drops it with
-- memlens.remove("steady-growth"). Sizes, rates and durations may be numbers or strings.

local memlens = require "memlens"

local std = {
	settings = {
		growth = { min_span = "8s", min_r2 = 0.8, min_rate = "64B/s", min_growth = "4KiB", after = 0 },
		unbounded = { min_span = "8s", min_blocks = 64, monotone = 0.9 },
		old_blocks = { age = "60s", min_bytes = "1KiB" },
		threads = { window = "60s", min_span = "8s", min_rate = 3 / 60, min_growth = 5, min_r2 = 0.8 },
		churn = { min_rate = 100, min_size = "1KiB", max_lifetime = "50ms" },
		duplicates = { min_size = "1MiB" },
	},
}
package.loaded["memlens.std"] = std

local parsed = setmetatable({}, { __mode = "k" }) -- parser -> { text -> number }

-- A setting as a number: numbers pass, strings are parsed once with parser (memlens.size...).
-- Heuristics call this for every site they check: it must stay two table lookups.
function std.num(v, parser)
	if type(v) == "number" then
		return v
	end
	local cache = parsed[parser]
	if not cache then
		cache = {}
		parsed[parser] = cache
	end
	local n = cache[v]
	if not n then
		n = parser(v)
		cache[v] = n
	end
	return n
end

for _, name in ipairs { "growth", "unbounded", "old_blocks", "threads", "churn", "duplicates" } do
	require("memlens.std." .. name)
end

return std
