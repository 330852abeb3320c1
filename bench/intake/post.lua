-- wrk script for POST /v1/content: every request a new contentId (no replays), text-only or with
-- one JPEG (BULWARK_BENCH_JPEG_B64: a file holding the image's base64).
local key = os.getenv("BULWARK_BENCH_KEY")
local image_file = os.getenv("BULWARK_BENCH_JPEG_B64")
local image = nil
if image_file and image_file ~= "" then
  local f = assert(io.open(image_file, "rb"))
  image = f:read("*a"):gsub("%s", "")
  f:close()
end
local counter = 0
local texts = {
  "selling my old bike, message me for details",
  "new menu every week, message t.me/bench_listed_seller for the VIP packages",
  "great game last night! who's coming on saturday?",
  "check out my channel t.me/some_other_channel for daily photos",
}

-- Content ids must never repeat across runs (a repeated id with another body is a 409), so each
-- thread's prefix combines the run's label, the time and the thread's number.
local run = os.getenv("BULWARK_BENCH_RUN") or "run"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", string.format("%s-%d-%d", run, os.time(), threads))
end

function request()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1]
  local media = ""
  if image then media = ',"media":[{"bytes":"' .. image .. '"}]' end
  local body = string.format('{"contentId":"bench-%s-%d","kind":"post","account":"acct-%d","text":"%s"%s}',
    id, counter, counter % 5000, text, media)
  return wrk.format("POST", "/v1/content", {["X-API-Key"] = key, ["Content-Type"] = "application/json"}, body)
end
