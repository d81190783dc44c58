-- memlens/report.lua — the end-of-run report of `memlens script`: the findings, then the budget table.
--
-- memlens calls memlens.report(target) at the end and prints the string it returns; a
-- script may replace memlens.report with its own function. The pieces are usable on their
-- own, e.g. print(require("memlens.report").budget_table()) in an on_exit callback.

local memlens = require "memlens"
local fmt = memlens.fmt

local M = {}

-- Left-aligned columns: rows is a list of lists of strings, the first row the header.
local function columns(rows, indent)
	local width = {}
	for _, row in ipairs(rows) do
		for i, cell in ipairs(row) do
			width[i] = math.max(width[i] or 0, utf8.len(cell) or #cell)
		end
	end
	local out = {}
	for _, row in ipairs(rows) do
		local cells = {}
		for i, cell in ipairs(row) do
			cells[i] = i < #row and cell .. string.rep(" ", width[i] - (utf8.len(cell) or #cell)) or cell
		end
		out[#out + 1] = indent .. table.concat(cells, "  ")
	end
	return table.concat(out, "\n")
end

local function value(v, unit)
	if v == nil then
		return "-"
	end
	return fmt.value(v, unit)
end

-- The budget table: budget, limit, observed (the latest value), peak, status.
function M.budget_table(budgets)
	budgets = budgets or memlens.budgets()
	if #budgets == 0 then
		return "  (no budgets defined)"
	end
	local rows = { { "budget", "limit", "observed", "peak", "status" } }
	for _, b in ipairs(budgets) do
		local status = b.status
		if status == "violated" then
			status = string.format("VIOLATED at %s%s", fmt.duration(b.violated_at),
				b.sustained > 0 and " (over for " .. fmt.duration(b.sustained) .. ")" or "")
		elseif status == "error" then
			status = "ERROR (its value function failed)"
		elseif status == "no-data" then
			status = "no data (never measured)"
		elseif b.over_since then
			status = string.format("ok (over since %s, not for %s yet)", fmt.duration(b.over_since),
				fmt.duration(b.sustained))
		end
		local name = b.name
		if b.metric ~= b.name then
			name = string.format("%s (%s)", b.name, b.match or b.metric)
		end
		rows[#rows + 1] = { name, value(b.max, b.unit), value(b.value, b.unit), value(b.peak, b.unit), status }
	end
	return columns(rows, "  ")
end

local function where(f)
	return f.site and f.site.label or "the process"
end

-- The findings, those that fired first, each with its heuristic's reason.
function M.findings_table(findings)
	findings = findings or memlens.findings()
	if #findings == 0 then
		return "  (none)"
	end
	local rows = { { "score", "heuristic", "where", "reason" } }
	for _, f in ipairs(findings) do
		local mark = f.ever_fired and "" or " (below threshold)"
		if f.ever_fired and not f.current then
			mark = string.format(" (seen %s..%s)", fmt.duration(f.first), fmt.duration(f.last))
		end
		rows[#rows + 1] = { value(f.score, f.unit), f.heuristic, where(f), f.reason .. mark }
	end
	return columns(rows, "  ")
end

local status_text = {
	[0] = "every budget held, no heuristic fired",
	[100] = "a budget was violated",
	[101] = "a heuristic fired",
	[102] = "a script failed",
}

local function target_line(t)
	local how = t.state
	if t.state == "exited" then
		how = "exited with status " .. t.exit_code
	elseif t.state == "killed" then
		how = "killed by signal " .. t.signal
	elseif t.state == "running" then
		how = "still running (memlens stopped watching: " .. (t.reason or "stopped") .. ")"
	end
	return string.format("%s (pid %d): %s after %s", table.concat(t.command, " "), t.pid, how,
		fmt.duration(t.duration))
end

-- The whole report; target is what on_exit callbacks get (memlens.target() plus reason).
function M.text(target)
	target = target or memlens.target()
	local findings = memlens.findings()
	local fired, categories = 0, {}
	for _, f in ipairs(findings) do
		if f.ever_fired then
			fired = fired + 1
			categories[f.category] = (categories[f.category] or 0) + 1
		end
	end
	local cats = {}
	for c, n in pairs(categories) do
		cats[#cats + 1] = c .. " " .. n
	end
	table.sort(cats)
	local budgets = memlens.budgets()
	local violated = 0
	for _, b in ipairs(budgets) do
		if b.status == "violated" then
			violated = violated + 1
		end
	end
	local out = {
		"memlens script: " .. target_line(target),
		"",
		string.format("Findings: %d fired%s", fired, #cats > 0 and " (" .. table.concat(cats, ", ") .. ")" or ""),
		M.findings_table(findings),
		"",
		string.format("Budgets: %d of %d violated", violated, #budgets),
		M.budget_table(budgets),
	}
	local errors = memlens.errors()
	if #errors > 0 then
		out[#out + 1] = ""
		out[#out + 1] = string.format("Script errors: %d", #errors)
		for _, e in ipairs(errors) do
			out[#out + 1] = "  " .. e
		end
	end
	local status = target.exit_status
	out[#out + 1] = ""
	local why = target.exit_requested and "set by memlens.exit" or status_text[status] or "?"
	out[#out + 1] = string.format("Result: exit status %d (%s)", status, why)
	return table.concat(out, "\n") .. "\n"
end

memlens.report = M.text

return M
