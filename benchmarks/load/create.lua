-- wrk script: POST a valid CronTab with a name unique per request (per-thread counter), count non-201 answers.
-- Usage: wrk -s create.lua <url-of-the-crontabs-collection> -- <run-prefix>
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] or "load"
  sent = 0
  non201 = 0
end

function request()
  sent = sent + 1
  local name = string.format("%s-%d-%d", prefix, id, sent)
  local body = '{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"' .. name ..
    '","labels":{"app":"load"}},"spec":{"cronSpec":"*/5 * * * *","image":"registry.example.com/backup:1.2.3"}}'
  -- wrk.format replaces wrk.headers when given a table: keep the ones from -H (the Authorization header).
  local headers = { ["Content-Type"] = "application/json" }
  for k, v in pairs(wrk.headers) do headers[k] = v end
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status ~= 201 then
    non201 = non201 + 1
    if non201 == 1 then
      first_error = string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + (t:get("non201") or 0)
    local e = t:get("first_error")
    if e then
      io.write("first non-201 body (thread " .. t:get("id") .. "): " .. e .. "\n")
    end
  end
  io.write(string.format("non-201 responses: %d of %d\n", total, summary.requests))
end
