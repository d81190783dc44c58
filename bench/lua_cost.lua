-- bench/lua_cost.lua — prints memlens's own CPU time at the end of a `memlens script` run
-- (read from /proc/self/stat: the Lua runtime runs inside memlens). Used by the figures in
-- doc/performance.md ("Lua heuristics"); run it with and without --no-stdlib to see the
-- standard library's share.
local hz = 100 -- USER_HZ on Linux

on_exit(function(t)
	local f = assert(io.open("/proc/self/stat"))
	local stat = f:read("a")
	f:close()
	local fields = {}
	for x in stat:match("%) (.*)"):gmatch("%S+") do
		fields[#fields + 1] = x
	end
	-- after the command name: state is field 3, utime 14, stime 15 (1-based, counting pid and comm)
	local user, sys = tonumber(fields[12]) / hz, tonumber(fields[13]) / hz
	print(string.format("memlens CPU: %.2f s user + %.2f s sys over %.1f s = %.2f %% of a core; sites %d",
		user, sys, t.duration, 100 * (user + sys) / t.duration, memlens.sample().sites))
end)
