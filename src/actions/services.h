// What handlers may use: the store and the configuration of the running service. Modules added
// later (events, sagas) hang their shared state here.
#pragma once

#include <cstdint>
#include <string>

#include "store/store.h"
#include "util/limits.h"

namespace centli::events {
class Bus;
}
namespace centli::sagas {
class PurchaseSaga;
}

namespace centli::actions {

struct BankingConfig {
  std::int64_t transfer_amount_minor_max = limits::kTransferAmountMinorMaxDefault;
  std::int64_t daily_outflow_minor_max = limits::kDailyOutflowMinorMaxDefault;
  // Calendar days for the daily limit are counted in Mexico City time (UTC-6, no DST since 2022).
  int day_offset_minutes = -360;
  // The bank's clearing account: a transfer to another bank (a CLABE beneficiary) credits it.
  std::string clearing_account_id = "acc-clearing";
};

struct Services {
  store::Store& store;
  BankingConfig banking;
  // The event bus: modules register internal consumers on it before serving. Set by
  // open_runtime; its dispatcher runs only in `serve`.
  events::Bus* bus = nullptr;
  // The purchase saga's waiters (serve only); without it a purchase answers PENDING at once.
  sagas::PurchaseSaga* purchase_saga = nullptr;
};

}  // namespace centli::actions
