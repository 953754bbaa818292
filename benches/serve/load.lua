-- The wrk script of benches/serve/run.sh. Options come after `--` as
-- key=value words and may be combined:
--
--   apps=N          GET /app/K with K uniform over 0..N-1 (else the URL's path)
--   cycle=A,B,C     GET the paths A, B, C in turn and count the status
--                   codes each gets back; meant for one connection, so that
--                   every response answers the request made just before it
--
-- Without cycle no Lua runs per response, which keeps wrk as fast as it is
-- without a script. done() prints one `result` line of key=value pairs, and
-- in cycle mode one `status PATH CODE COUNT` line per path and status seen;
-- run.sh reads them.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local apps, paths, next_path, last_path

function init(args)
   for _, arg in ipairs(args) do
      local key, value = arg:match("^(%w+)=(.*)$")
      if key == "apps" then
         apps = tonumber(value)
      elseif key == "cycle" then
         paths = {}
         for path in value:gmatch("[^,]+") do
            table.insert(paths, path)
         end
         next_path = 1
      else
         error("load.lua: unknown option " .. arg)
      end
   end
   math.randomseed(os.time())
   statuses = {}
   if not paths then
      response = nil
   end
   if not apps and not paths then
      request = nil
   end
end

function request()
   local path
   if paths then
      path = paths[next_path]
      next_path = next_path % #paths + 1
      last_path = path
   else
      path = "/app/" .. math.random(0, apps - 1)
   end
   return wrk.format("GET", path)
end

function response(status, headers, body)
   local key = last_path .. " " .. status
   statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      "result requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d"
         .. " connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.requests / summary.duration * 1e6,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout))
   for _, thread in ipairs(threads) do
      for key, count in pairs(thread:get("statuses") or {}) do
         io.write(string.format("status %s %d\n", key, count))
      end
   end
end
