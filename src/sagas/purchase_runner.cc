// The saga's running parts: its bus consumer, the hold sweeper and the purchase waiters.
#include "events/bus.h"
#include "obs/log.h"
#include "sagas/purchase_saga.h"
#include "util/clock.h"
#include "util/json.h"

namespace centli::sagas {
namespace {

// The events that drive a step (see step_for); terminal events are not consumed.
constexpr const char* kSagaPattern =
    R"({"source":["marketplace"],"event_type":["PURCHASE_INITIATED","INVENTORY_RESERVED",)"
    R"("PAYMENT_COMPLETED","PAYMENT_FAILED","COMPENSATION_REQUIRED","INVENTORY_RELEASED"]})";

}  // namespace

PurchaseSaga::PurchaseSaga(store::Store& store, SagaConfig config)
    : store_(store), config_(std::move(config)) {}

PurchaseSaga::~PurchaseSaga() { stop(); }

void PurchaseSaga::register_consumer(events::Bus& bus) {
  bus.register_consumer(
      "purchase-saga", kSagaPattern,
      [this](store::WriteTx& tx, const events::Envelope& env) -> std::expected<void, Error> {
        const rapidjson::Value* data = env.doc.IsObject() ? json::member(env.doc, "data") : nullptr;
        auto id = data != nullptr ? json::get_string(*data, "purchase_id") : std::nullopt;
        if (!id) return {};  // not a purchase event: nothing to do
        return consume(tx, env.event_type, *id);
      });
}

void PurchaseSaga::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { loop(); });
}

void PurchaseSaga::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  check_waiters(true);
}

void PurchaseSaga::wait(std::string purchase_id, std::string user_id, std::string locale,
                        std::function<void(std::string, std::string)> done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && started_ && waiters_.size() < limits::kPurchaseWaitersMax) {
      waiters_.push_back(Waiter{std::move(purchase_id), std::move(user_id), std::move(locale),
                                util::now_ms() + config_.wait_ms, std::move(done)});
      return;
    }
  }
  // Not waiting: answer with the state the purchase has now.
  auto reader = store_.reader();
  auto v = view_purchase(reader.tx(), purchase_id, user_id, locale);
  if (v && *v) return done((*v)->state, (*v)->body);
  done(std::string(kInitiated), "");
}

void PurchaseSaga::check_waiters(bool all) {
  std::vector<Waiter> ready;
  std::vector<std::pair<std::string, std::string>> views;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) return;
    auto reader = store_.reader();
    const std::int64_t now = util::now_ms();
    for (std::size_t i = 0; i < waiters_.size();) {
      Waiter& w = waiters_[i];
      auto v = view_purchase(reader.tx(), w.purchase_id, w.user_id, w.locale);
      const bool known = v && *v;
      if (all || now >= w.deadline_ms || !known || is_terminal((*v)->state)) {
        views.emplace_back(known ? (*v)->state : std::string(kInitiated),
                           known ? (*v)->body : std::string());
        ready.push_back(std::move(w));
        waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }
  for (std::size_t i = 0; i < ready.size(); ++i) {
    ready[i].done(std::move(views[i].first), std::move(views[i].second));
  }
}

void PurchaseSaga::loop() {
  std::int64_t next_sweep_ms = 0;
  const std::int64_t sweep_every_ms = std::max<std::int64_t>(
      limits::kSagaPollMs, std::min<std::int64_t>(1'000, config_.hold_timeout_ms / 4));
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(limits::kSagaPollMs),
                   [this] { return stopping_; });
      if (stopping_) return;
    }
    check_waiters(false);
    if (util::now_ms() < next_sweep_ms) continue;
    next_sweep_ms = util::now_ms() + sweep_every_ms;
    store_.submit(store::WriteJob{[](store::WriteTx& tx) {
                                    store::Savepoint sp(tx);
                                    auto n = sweep_expired(tx, limits::kHoldSweepRowsMax);
                                    if (!n || !sp.release()) {
                                      sp.rollback();
                                      obs::log(obs::Level::kError, "hold sweep failed");
                                    }
                                  },
                                  [](bool) {}});
  }
}

}  // namespace centli::sagas
