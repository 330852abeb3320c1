-- wrk script: POST /v1/match with a PDQ hash per request. Half the queries are banked hashes
-- with a few bits flipped (they match), half are random (they do not).
local hashes = {}
local f = io.open(os.getenv("BULWARK_BENCH_QUERIES") or "bench/service/out/queries.txt")
for line in f:lines() do hashes[#hashes + 1] = line end
f:close()
local key = os.getenv("BULWARK_BENCH_KEY")
local i = 0
request = function()
  i = i + 1
  local h = hashes[(i % #hashes) + 1]
  return wrk.format("POST", "/v1/match", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key},
                    '{"pdq":"' .. h .. '"}')
end
