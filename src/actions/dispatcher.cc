#include "actions/dispatcher.h"

#include <chrono>
#include <future>

#include "obs/log.h"
#include "obs/metrics.h"
#include "store/api_error.h"
#include "store/idempotency.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::actions {
namespace {

struct Stored {
  std::string fingerprint;
  Outcome outcome;
};

// The live record of the key, if any; a store failure is an Error (the caller answers 500, or
// 503 when the store is unavailable).
std::expected<std::optional<Stored>, store::Error> find_stored(store::WriteTx& tx,
                                                               std::string_view principal,
                                                               std::string_view key) {
  auto found = tx.idempotency().find(principal, key, tx.now_ms());
  if (!found) return std::unexpected(std::move(found.error()));
  if (!*found) return std::nullopt;
  store::IdempotencyRecord& r = **found;
  const bool is_error = r.status >= 400;
  return Stored{std::move(r.fingerprint), Outcome{r.status, std::move(r.response), is_error, true}};
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > limits::kIdempotencyKeyMax) return false;
  for (char c : key)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

struct LogContext {
  std::string action;
  std::string user_id;
  std::string correlation_id;
  std::chrono::steady_clock::time_point start;
};

void log_outcome(const LogContext& c, const Outcome& out) {
  if (!obs::enabled(obs::Level::kInfo)) return;
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c.start).count();
  char details[96];
  std::snprintf(details, sizeof details, "{\"status\":%d,\"replayed\":%s,\"duration_ms\":%.3f}",
                out.status, out.replayed ? "true" : "false", ms);
  obs::log(out.status >= 500 ? obs::Level::kError : obs::Level::kInfo, "action finished",
           {c.correlation_id, c.action, "", c.user_id, details});
}

// A 500's own text (a store or driver message, a constraint name) is for the operator: it goes
// to the log under the correlation id, and the client gets a fixed sentence naming that id.
std::string public_detail(const Error& e, int status, std::string_view correlation_id) {
  if (status != 500) return std::string(e.message.empty() ? error_title(e.code) : e.message);
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "error", e.message);
  w.EndObject();
  obs::log(obs::Level::kError, "internal error", {correlation_id, "", "", "", json::view(b)});
  return "internal error; quote correlation id " + std::string(correlation_id) +
         " when reporting it";
}

}  // namespace

Outcome Dispatcher::problem(const Error& e, std::string_view correlation_id) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  const std::string_view code = error_code_name(e.code);
  const int status = error_http_status(e.code);
  w.StartObject();
  json::kv(w, "type", "urn:centli:problem:" + std::string(code));
  json::kv(w, "title", error_title(e.code));
  json::kv_int(w, "status", status);
  json::kv(w, "code", code);
  json::kv(w, "detail", public_detail(e, status, correlation_id));
  json::kv(w, "correlation_id", correlation_id);
  if (!e.field.empty()) json::kv(w, "field", e.field);
  w.EndObject();
  std::string body(json::view(b));
  if (!e.extra_json.empty()) {
    body.pop_back();
    body += ',';
    body += e.extra_json;
    body += '}';
  }
  return Outcome{status, std::move(body), true, false, error_retry_after_s(e.code), code};
}

bool Dispatcher::claim(const std::string& slot) {
  std::lock_guard lock(inflight_mu_);
  return inflight_.insert(slot).second;
}

void Dispatcher::release(const std::string& slot) {
  std::lock_guard lock(inflight_mu_);
  inflight_.erase(slot);
}

void Dispatcher::invoke(const Invocation& inv, std::function<void(Outcome)> done_in) {
  // The writer thread may call `done` after `inv` is gone: it owns copies of what it logs,
  // made only when the line will be written.
  // The action's name lives in the registry, which outlives every call.
  std::function<void(Outcome)> done = [door = inv.door, action = std::string_view(inv.action->name),
                                       start = std::chrono::steady_clock::now(),
                                       inner = std::move(done_in)](Outcome out) {
    const std::string_view outcome = out.replayed   ? std::string_view("replayed")
                                     : out.is_error ? (out.code.empty() ? "error" : out.code)
                                                    : std::string_view("ok");
    obs::metrics::action_finished(
        door, action, outcome,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    inner(std::move(out));
  };
  if (obs::enabled(obs::Level::kInfo)) {
    done = [ctx = LogContext{inv.action->name, inv.user_id, inv.correlation_id,
                             std::chrono::steady_clock::now()},
            inner = std::move(done)](Outcome out) {
      log_outcome(ctx, out);
      inner(std::move(out));
    };
  }
  const Action& action = *inv.action;
  auto refuse = [&](Error e) { done(problem(e, inv.correlation_id)); };
  // Precedence: scope, person, input, idempotency key, then the handler's own checks.
  if (!inv.principal.has(action.scope)) {
    return refuse({ErrorCode::kForbidden,
                   "this action needs the scope " + std::string(auth::scope_name(action.scope)), "",
                   ""});
  }
  if (inv.user_id.empty()) {
    return refuse(Error::invalid("X-Centli-User", "a delegated call must name the person"));
  }
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  auto input = validate(action, inv.input != nullptr ? *inv.input : kEmpty, {"request_id"});
  if (!input) return refuse(input.error());
  const rapidjson::Value* rid =
      inv.input != nullptr ? json::member(*inv.input, "request_id") : nullptr;
  if (rid != nullptr && !rid->IsString())
    return refuse(Error::invalid("request_id", "request_id must be a string"));
  std::string key = inv.idempotency_key;
  if (key.empty() && rid != nullptr) key.assign(rid->GetString(), rid->GetStringLength());
  if (!key.empty() && !valid_key(key)) {
    return refuse(
        Error::invalid("Idempotency-Key", "the key must be 1 to 255 visible ASCII characters"));
  }
  Call call{inv.principal, inv.user_id, *input, inv.correlation_id, inv.locale, services_};
  if (action.read) {
    auto reader = services_.store.reader();
    auto r = action.read(call, reader);
    if (!r) return refuse(r.error());
    return done(Outcome{r->status, std::move(r->body), false, false});
  }
  if (action.key_required && key.empty()) {
    return refuse({ErrorCode::kIdempotencyKeyRequired,
                   "send an Idempotency-Key header (or request_id) with this request", "", ""});
  }
  std::optional<Keyed> keyed;
  if (!key.empty()) {
    keyed = Keyed{inv.principal.key() + "|" + inv.user_id, key,
                  util::sha256_hex(action.name + "\n" + input->canonical())};
  }
  auto fn = action.prepare(call);
  if (!fn) return refuse(fn.error());
  run_write(inv, std::move(*fn), std::move(keyed), std::move(done));
}

void Dispatcher::maybe_sweep() {
  const std::int64_t now = util::now_ms();
  std::int64_t last = last_sweep_ms_.load();
  if (now - last < limits::kIdempotencySweepIntervalMs) return;
  if (!last_sweep_ms_.compare_exchange_strong(last, now)) return;  // another thread sweeps
  services_.store.submit(store::WriteJob{[](store::WriteTx& tx) {
                                           store::Savepoint sp(tx);
                                           if (tx.idempotency().delete_expired(
                                                   tx.now_ms(), limits::kIdempotencySweepRowsMax)) {
                                             (void)sp.release();
                                           }
                                         },
                                         [](bool) {}});
}

void Dispatcher::run_write(const Invocation& inv, WriteFn fn, std::optional<Keyed> keyed,
                           std::function<void(Outcome)> done) {
  maybe_sweep();
  std::string slot;
  if (keyed) {
    slot = keyed->principal + "\n" + keyed->key;
    if (!claim(slot)) {
      return done(problem({ErrorCode::kIdempotencyKeyInUse,
                           "a request with this key is still running; retry later", "", ""},
                          inv.correlation_id));
    }
    // The stored answer, if any, is looked up by the writer inside the batch: one lookup per
    // command, in the transaction that would otherwise store it.
  }
  auto outcome = std::make_shared<Outcome>();
  auto defer = std::make_shared<std::function<void(std::function<void(Reply)>)>>();
  auto job_fn = [fn = std::move(fn), keyed, outcome, defer, action = inv.action->name,
                 correlation = inv.correlation_id](store::WriteTx& tx) {
    const auto store_failure = [&](const store::Error& e) {
      *outcome = problem(store::api_error(e), correlation);
    };
    // Sets *outcome from the answer stored under the key, when there is one.
    const auto stored_answer = [&]() -> store::Result<bool> {
      auto s = find_stored(tx, keyed->principal, keyed->key);
      if (!s) return std::unexpected(s.error());
      if (!*s) return false;
      *outcome = (*s)->fingerprint == keyed->fingerprint
                     ? std::move((*s)->outcome)
                     : problem({ErrorCode::kIdempotencyKeyReused,
                                "this key was used with a different request", "", ""},
                               correlation);
      return true;
    };
    // After a key record was refused as already there: on a shared store another process
    // committed the same key while this command ran (its effect is rolled back here), and its
    // answer is the answer, as if this request had come second.
    const auto answered_elsewhere = [&](const store::Result<void>& stored) {
      if (stored || stored.error().kind != store::Error::Kind::kConstraint) return false;
      auto s = stored_answer();
      return s.has_value() && *s;
    };
    if (keyed) {
      auto s = stored_answer();
      if (!s) return store_failure(s.error());
      if (*s) return;
    }
    // The key record is written inside the command's savepoint: either both the effect and
    // its key are committed, or neither is (a key lost after its effect would let a resend
    // apply the effect twice).
    const auto store_key = [&](const Outcome& answer) {
      return tx.idempotency().put({.principal = keyed->principal,
                                   .key = keyed->key,
                                   .action = action,
                                   .fingerprint = keyed->fingerprint,
                                   .status = answer.status,
                                   .response = answer.body,
                                   .created_ms = tx.now_ms(),
                                   .expires_ms = tx.now_ms() + limits::kIdempotencyRetentionMs});
    };
    store::Savepoint sp(tx);
    auto r = fn(tx);
    if (r) {
      Outcome answer{r->status, std::move(r->body), false, false};
      // A store may send the command's writes with its key record or its release: a failure
      // of either is the command's.
      auto stored = keyed ? store_key(answer) : store::Result<void>{};
      if (stored) stored = sp.release();
      if (stored) {
        *outcome = std::move(answer);
        *defer = std::move(r->defer);
      } else {
        sp.rollback();
        if (keyed && answered_elsewhere(stored)) return;
        store_failure(stored.error());
      }
      return;
    }
    sp.rollback();
    *outcome = problem(r.error(), correlation);
    // A refusal is sticky under its key (its own savepoint: the effect was rolled back above).
    if (keyed && outcome->status < 500) {
      store::Savepoint key_sp(tx);
      auto stored = store_key(*outcome);
      if (stored) stored = key_sp.release();
      if (stored) return;
      key_sp.rollback();
      if (answered_elsewhere(stored)) return;
      store_failure(stored.error());
    }
  };
  auto finish = [this, slot, outcome, defer, keyed, done,
                 correlation = inv.correlation_id](bool committed) {
    if (committed && *defer && !outcome->is_error) {
      return (*defer)([this, slot, keyed, done, stored = *outcome](Reply final_reply) {
        finish_deferred(slot, keyed,
                        Outcome{final_reply.status, std::move(final_reply.body), false, false},
                        stored, done);
      });
    }
    if (!slot.empty()) release(slot);
    if (!committed) {
      return done(problem({ErrorCode::kUnavailable, "the store could not commit; retry", "", ""},
                          correlation));
    }
    done(std::move(*outcome));
  };
  if (!services_.store.submit(store::WriteJob{std::move(job_fn), finish})) {
    if (!slot.empty()) release(slot);
    done(problem({ErrorCode::kUnavailable, "too many requests in flight; retry", "", ""},
                 inv.correlation_id));
  }
}

void Dispatcher::finish_deferred(const std::string& slot, const std::optional<Keyed>& keyed,
                                 Outcome final_outcome, Outcome stored_outcome,
                                 std::function<void(Outcome)> done) {
  if (!keyed) {
    if (!slot.empty()) release(slot);
    return done(std::move(final_outcome));
  }
  // The final answer replaces the stored one before anyone sees it, so a replay with the same
  // key is byte-identical to this answer; the key stays in flight until then.
  // When the final answer cannot be stored (queue full, commit failed), the caller gets the
  // answer that is stored, so that what it saw and what a replay returns stay the same bytes.
  auto final_ptr = std::make_shared<Outcome>(std::move(final_outcome));
  auto stored_ptr = std::make_shared<Outcome>(std::move(stored_outcome));
  auto updated = std::make_shared<bool>(false);
  auto run = [keyed = *keyed, final_ptr, updated](store::WriteTx& tx) {
    *updated = tx.idempotency()
                   .update_answer(keyed.principal, keyed.key, final_ptr->status, final_ptr->body)
                   .has_value();
  };
  auto after = [this, slot, final_ptr, stored_ptr, updated, done](bool committed) {
    release(slot);
    done(committed && *updated ? std::move(*final_ptr) : std::move(*stored_ptr));
  };
  if (!services_.store.submit(store::WriteJob{std::move(run), after})) after(false);
}

Outcome Dispatcher::invoke_sync(const Invocation& inv) {
  std::promise<Outcome> p;
  auto f = p.get_future();
  invoke(inv, [&p](Outcome o) { p.set_value(std::move(o)); });
  return f.get();
}

}  // namespace centli::actions
