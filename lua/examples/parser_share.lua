-- parser_share.lua — tell me when the parser's share of the heap passes 100 MiB.
--
--   memlens script lua/examples/parser_share.lua -- ./compiler big-input.c
--
-- A component is the set of call sites with a frame matching a regex (PCRE2, on function
-- names, source files and module paths): here everything allocated under parse_* or lex_*.
-- When the component goes over its limit, on_violation logs it and the parser sites holding
-- the most. PARSER_RE and PARSER_MAX in the environment override the pattern and the limit.

local env = os.getenv
local pattern = env("PARSER_RE") or "^parse_|^lex_"

budget "component" {
	name = "parser",
	match = pattern,
	max = env("PARSER_MAX") or "100MiB",
	on_violation = function(b)
		memlens.log(string.format("the parser holds %s, over its %s", memlens.fmt.bytes(b.value),
			memlens.fmt.bytes(b.max)))
		for i, site in ipairs(memlens.sites { match = pattern, top = 3 }) do
			memlens.log(string.format("  %d. %s: %s in %s blocks", i, site.label, memlens.fmt.bytes(site.live_bytes),
				memlens.fmt.count(site.live_blocks)))
		end
	end,
}
