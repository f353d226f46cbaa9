-- wrk script: durable transfers of 0.01 MXN between the demo person's own accounts, each with a
-- fresh Idempotency-Key (thread id + counter), so every request is a new committed transfer.
-- `thread_id` is a global that setup() sets in each thread's own Lua state.
local counter = 0
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end

function request()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. os.getenv("CENTLI_TOKEN"),
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", os.getenv("BENCH_RUN") or "0", thread_id, counter),
  }
  local body = '{"from_account":"acc-456","to_account":"acc-457","amount":"0.01"}'
  return wrk.format("POST", "/v1/core-banking/transfer", headers, body)
end

