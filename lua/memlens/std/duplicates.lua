-- memlens/std/duplicates.lua — "duplicate-buffers": a large block live next to another of exactly its size (a copy that doubles the peak).
--
-- Copying a large buffer instead of moving it holds two of them at once. In each capture of
-- the live blocks, blocks of min_size or more are grouped by size; every group of two or
-- more names the site of its newest block (the copy). Score: the bytes the extra copies hold.

local memlens = require "memlens"
local std = require "memlens.std"
local fmt = memlens.fmt
local num = std.num

heuristic "duplicate-buffers" {
	every = "5s",
	scope = "process",
	blocks = true,
	category = "copy",
	unit = "bytes",
	description = "a large block allocated while one of the same size is live",
	check = function(s, h)
		local S = std.settings.duplicates
		local big = memlens.blocks { min_size = num(S.min_size, memlens.size), max = 10000 }
		local findings, i = {}, 1
		while i <= #big do -- largest first: equal sizes are adjacent
			local j = i
			while j < #big and big[j + 1].size == big[i].size do
				j = j + 1
			end
			if j > i then
				local newest = big[i]
				for k = i + 1, j do
					if big[k].birth > newest.birth then
						newest = big[k]
					end
				end
				local copies = j - i
				local others, seen = {}, { [newest.site] = true }
				for k = i, j do
					local s = big[k].site
					if s and not seen[s] and #others < 3 then
						seen[s] = true
						others[#others + 1] = s.label
					end
				end
				findings[#findings + 1] = {
					site = newest.site,
					score = copies * newest.size,
					reason = string.format("%d live blocks of %s each (%s in the extra copies); the newest, %s old, is from here%s",
						copies + 1, fmt.bytes(newest.size), fmt.bytes(copies * newest.size), fmt.duration(newest.age),
						#others > 0 and ", others from " .. table.concat(others, ", ") or ""),
				}
			end
			i = j + 1
		end
		return findings
	end,
}
