-- snapshot_on_rss.lua — write a snapshot automatically when RSS passes 900 MiB (once), to see later what held it.
--
--   memlens script lua/examples/snapshot_on_rss.lua -- ./batch-job input.dat
--   memlens report near-limit.mls
--
-- RSS_LIMIT and SNAPSHOT in the environment override the limit and the file name.

local limit = memlens.size(os.getenv("RSS_LIMIT") or "900MiB")
local path = os.getenv("SNAPSHOT") or "near-limit.mls"
local taken = false

on_sample(function(s)
	if not taken and s.rss > limit then
		taken = true
		local ok, err = memlens.snapshot(path)
		if ok then
			memlens.log(string.format("RSS %s passed %s: snapshot in %s", memlens.fmt.bytes(s.rss),
				memlens.fmt.bytes(limit), path))
		else
			memlens.log("could not write the snapshot: " .. err)
		end
	end
end)
