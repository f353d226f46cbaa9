// The demo bank (docs/demo-data.md). Loaded once per data directory; loading again does nothing.
#pragma once

#include <expected>
#include <string>

#include "store/store.h"

namespace centli::store {

// Returns true when it loaded the data now, false when it was already there.
std::expected<bool, std::string> load_demo(Store& store);

// One part of the demo data set (core banking, crm, marketplace), written in the load's
// transaction. Returns an error message on failure.
using DemoPart = std::expected<void, std::string> (*)(WriteTx& tx);

// The crm part: user-123's address book and one beneficiary of user-456 (store/demo_crm.cc).
std::expected<void, std::string> crm_demo(WriteTx& tx);

// Retailers, their settlement accounts and products (store/demo_marketplace.cc).
std::expected<void, std::string> marketplace_demo(WriteTx& tx);

}  // namespace centli::store
