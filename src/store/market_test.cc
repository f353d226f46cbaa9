// The contract of the marketplace repositories (store/market.h), written against the port only:
// the store comes from Store::open and its catalog from the demo bank, so the same cases can
// run on every backend.
#include "store/market.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "store/accounts.h"
#include "store/demo.h"
#include "store/scratch_store.h"
#include "store/store.h"

namespace centli::store {
namespace {

// Demo products (docs/demo-data.md): a jacket with 4 units, a sold-out hat.
constexpr const char* kJacket = "prd-jacket";
constexpr const char* kHat = "prd-hat";

class MarketPort : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CENTLI_SKIP_UNLESS_AVAILABLE(GetParam());
    scratch_ = std::make_unique<testing::ScratchStore>(GetParam());
    const std::string opened = scratch_->open();
    ASSERT_EQ(opened, "");
    store_ = std::move(scratch_->get());
    auto demo = load_demo(*store_);
    ASSERT_TRUE(demo.has_value()) << demo.error();
  }

  void TearDown() override {
    if (store_) store_->close();
    store_.reset();
    scratch_.reset();
  }

  // Runs `fn` in a write transaction and requires that it commits.
  void write(const std::function<void(WriteTx&)>& fn) { ASSERT_TRUE(store_->write_sync(fn)); }

  static Purchase purchase(std::string id, std::string user, std::int64_t created_ms) {
    return Purchase{.purchase_id = std::move(id),
                    .user_id = std::move(user),
                    .product_id = kJacket,
                    .retailer_id = "ret-moda",
                    .quantity = 2,
                    .account_id = "acc-456",
                    .option_id = "full:acc-456",
                    .unit_price_minor = 459900,
                    .subtotal_minor = 919800,
                    .discount_minor = 1000,
                    .total_minor = 918800,
                    .cashback_minor = 300,
                    .points = 7,
                    .months = 3,
                    .currency = "MXN",
                    .status = "ignored",
                    .reason = "ignored",
                    .correlation_id = "corr-1",
                    .transfer_id = "ignored",
                    .created_ms = created_ms,
                    .updated_ms = 1};
  }

  static Hold stock_hold(std::string purchase_id, std::int64_t expires_ms) {
    return Hold{.hold_id = "hld-" + purchase_id,
                .purchase_id = std::move(purchase_id),
                .kind = "stock",
                .product_id = kJacket,
                .quantity = 1,
                .state = "held",
                .created_ms = 1'000,
                .expires_ms = expires_ms};
  }

  std::unique_ptr<testing::ScratchStore> scratch_;
  std::unique_ptr<Store> store_;
};

TEST_P(MarketPort, FindProductJoinsItsRetailerAndMissesUnknownIds) {
  auto reader = store_->reader();
  auto p = reader.tx().catalog().find_product(kJacket);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->product_id, kJacket);
  EXPECT_EQ((*p)->retailer_id, "ret-moda");
  EXPECT_EQ((*p)->retailer_name, "Moda Norte");
  EXPECT_EQ((*p)->name, "Chamarra de piel");
  EXPECT_EQ((*p)->category, "fashion");
  EXPECT_EQ((*p)->price_minor, 459900);
  EXPECT_EQ((*p)->currency, "MXN");
  EXPECT_EQ((*p)->stock, 4);
  EXPECT_EQ((*p)->held_stock, 0);
  auto none = reader.tx().catalog().find_product("prd-none");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_P(MarketPort, FindRetailerReturnsSettlementAccountAndRules) {
  auto reader = store_->reader();
  auto r = reader.tx().catalog().find_retailer("ret-moda");
  ASSERT_TRUE(r.has_value() && r->has_value());
  EXPECT_EQ((*r)->name, "Moda Norte");
  EXPECT_EQ((*r)->category, "fashion");
  EXPECT_EQ((*r)->settlement_account_id, "acc-set-moda");
  EXPECT_TRUE((*r)->rules_json.starts_with("{\"cashback\""));
  auto none = reader.tx().catalog().find_retailer("ret-none");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_P(MarketPort, AnInsertedRetailerAndProductReadBackEveryFieldWithNoUnitsHeld) {
  const Retailer retailer{.retailer_id = "ret-port",
                          .name = "Tienda Puerto",
                          .category = "books",
                          .settlement_account_id = "acc-set-port",
                          .rules_json = R"({"points":{"points_per_peso":4}})"};
  const Product product{.product_id = "prd-port-book",
                        .retailer_id = "ret-port",
                        .retailer_name = "ignored",
                        .name = "Libro de cuentos",
                        .description = "Cuentos de la costa",
                        .category = "books",
                        .price_minor = 34'950,
                        .currency = "MXN",
                        .stock = 9,
                        .held_stock = 3};
  write([&](WriteTx& tx) {
    ASSERT_TRUE(tx.accounts().insert({.user_id = "bank",
                                      .account_id = "acc-set-port",
                                      .account_number = "0000000000199",
                                      .type = "settlement",
                                      .status = "active",
                                      .currency = "MXN",
                                      .name = "Liquidación Tienda Puerto",
                                      .created_ms = 1}));
    ASSERT_TRUE(tx.catalog().insert_retailer(retailer));
    ASSERT_TRUE(tx.catalog().insert_product(product));
  });
  auto reader = store_->reader();
  auto r = reader.tx().catalog().find_retailer("ret-port");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->retailer_id, "ret-port");
  EXPECT_EQ((*r)->name, "Tienda Puerto");
  EXPECT_EQ((*r)->category, "books");
  EXPECT_EQ((*r)->settlement_account_id, "acc-set-port");
  EXPECT_EQ((*r)->rules_json, R"({"points":{"points_per_peso":4}})");
  auto settlement = reader.tx().accounts().load("acc-set-port");
  ASSERT_TRUE(settlement.has_value() && settlement->has_value());
  EXPECT_EQ((*settlement)->type, ledger::AccountType::kSettlement);
  EXPECT_EQ((*settlement)->user_id, "bank");
  auto p = reader.tx().catalog().find_product("prd-port-book");
  ASSERT_TRUE(p.has_value() && p->has_value());
  EXPECT_EQ((*p)->product_id, "prd-port-book");
  EXPECT_EQ((*p)->retailer_id, "ret-port");
  EXPECT_EQ((*p)->retailer_name, "Tienda Puerto");  // the retailer's, not the one passed
  EXPECT_EQ((*p)->name, "Libro de cuentos");
  EXPECT_EQ((*p)->description, "Cuentos de la costa");
  EXPECT_EQ((*p)->category, "books");
  EXPECT_EQ((*p)->price_minor, 34'950);
  EXPECT_EQ((*p)->currency, "MXN");
  EXPECT_EQ((*p)->stock, 9);
  EXPECT_EQ((*p)->held_stock, 0);
  auto listed = reader.tx().catalog().list_products("ret-port", "", 10);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().product_id, "prd-port-book");
}

TEST_P(MarketPort, ARetailerOrProductIdTakenOrANegativeStockIsAConstraintError) {
  const auto refused = [](const Result<void>& r) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, Error::Kind::kConstraint) << r.error().message;
  };
  const Product product{.product_id = kJacket,  // the demo's, under another retailer
                        .retailer_id = "ret-casa",
                        .name = "Chamarra",
                        .price_minor = 1,
                        .currency = "MXN",
                        .stock = 1};
  write([&](WriteTx& tx) {
    Savepoint sp(tx);
    refused(tx.catalog().insert_retailer({.retailer_id = "ret-moda", .name = "Otra Moda"}));
  });
  write([&](WriteTx& tx) {
    Savepoint sp(tx);
    refused(tx.catalog().insert_product(product));
  });
  write([&](WriteTx& tx) {
    Product negative = product;
    negative.product_id = "prd-port-negative";
    negative.stock = -1;
    Savepoint sp(tx);
    refused(tx.catalog().insert_product(negative));
  });
  auto reader = store_->reader();
  EXPECT_EQ((*reader.tx().catalog().find_retailer("ret-moda"))->name, "Moda Norte");
  auto jacket = reader.tx().catalog().find_product(kJacket);
  ASSERT_TRUE(jacket.has_value() && jacket->has_value());
  EXPECT_EQ((*jacket)->retailer_id, "ret-moda");
  EXPECT_FALSE(reader.tx().catalog().find_product("prd-port-negative")->has_value());
}

TEST_P(MarketPort, ListProductsFiltersOrdersByIdAndStopsAtTheLimit) {
  auto reader = store_->reader();
  Catalog& catalog = reader.tx().catalog();
  auto moda = catalog.list_products("ret-moda", "", 100);
  ASSERT_TRUE(moda.has_value());
  ASSERT_EQ(moda->size(), 8u);
  for (std::size_t i = 0; i < moda->size(); ++i) {
    EXPECT_EQ((*moda)[i].retailer_id, "ret-moda");
    EXPECT_EQ((*moda)[i].retailer_name, "Moda Norte");
    if (i > 0) {
      EXPECT_LT((*moda)[i - 1].product_id, (*moda)[i].product_id);
    }
  }
  auto travel = catalog.list_products("", "travel", 100);
  ASSERT_TRUE(travel.has_value());
  EXPECT_EQ(travel->size(), 8u);
  for (const Product& p : *travel) EXPECT_EQ(p.category, "travel");
  auto none = catalog.list_products("ret-moda", "travel", 100);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  auto first = catalog.list_products("", "", 3);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 3u);
  auto all = catalog.list_products("", "", 1000);
  ASSERT_TRUE(all.has_value());
  ASSERT_GT(all->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*first)[i].product_id, (*all)[i].product_id);
}

TEST_P(MarketPort, StockIsReservedOnlyWhenUnreservedUnitsSufficeThenTakenOrReleased) {
  write([](WriteTx& tx) {
    Catalog& c = tx.catalog();
    auto held = c.reserve_stock(kJacket, 3);
    ASSERT_TRUE(held.has_value());
    EXPECT_TRUE(*held);
    auto too_many = c.reserve_stock(kJacket, 2);  // 1 unreserved unit left
    ASSERT_TRUE(too_many.has_value());
    EXPECT_FALSE(*too_many);
    auto sold_out = c.reserve_stock(kHat, 1);
    ASSERT_TRUE(sold_out.has_value());
    EXPECT_FALSE(*sold_out);
    auto missing = c.reserve_stock("prd-none", 1);
    ASSERT_TRUE(missing.has_value());
    EXPECT_FALSE(*missing);
    ASSERT_TRUE(c.take_stock(kJacket, 2).has_value());
    ASSERT_TRUE(c.release_stock(kJacket, 1).has_value());
  });
  auto reader = store_->reader();
  auto p = reader.tx().catalog().find_product(kJacket);
  ASSERT_TRUE(p.has_value() && p->has_value());
  EXPECT_EQ((*p)->stock, 2);
  EXPECT_EQ((*p)->held_stock, 0);
  auto hat = reader.tx().catalog().find_product(kHat);
  ASSERT_TRUE(hat.has_value() && hat->has_value());
  EXPECT_EQ((*hat)->held_stock, 0);
}

TEST_P(MarketPort, InsertedPurchaseStartsInitiatedWithItsAmounts) {
  write([](WriteTx& tx) { ASSERT_TRUE(tx.purchases().insert(purchase("pur-1", "u1", 5'000))); });
  auto reader = store_->reader();
  auto found = reader.tx().purchases().find("pur-1");
  ASSERT_TRUE(found.has_value() && found->has_value());
  const Purchase& p = **found;
  EXPECT_EQ(p.user_id, "u1");
  EXPECT_EQ(p.product_id, kJacket);
  EXPECT_EQ(p.retailer_id, "ret-moda");
  EXPECT_EQ(p.quantity, 2);
  EXPECT_EQ(p.account_id, "acc-456");
  EXPECT_EQ(p.option_id, "full:acc-456");
  EXPECT_EQ(p.unit_price_minor, 459900);
  EXPECT_EQ(p.subtotal_minor, 919800);
  EXPECT_EQ(p.discount_minor, 1000);
  EXPECT_EQ(p.total_minor, 918800);
  EXPECT_EQ(p.cashback_minor, 300);
  EXPECT_EQ(p.points, 7);
  EXPECT_EQ(p.months, 3);
  EXPECT_EQ(p.currency, "MXN");
  EXPECT_EQ(p.status, "INITIATED");
  EXPECT_EQ(p.reason, "");
  EXPECT_EQ(p.correlation_id, "corr-1");
  EXPECT_EQ(p.transfer_id, "");
  EXPECT_EQ(p.created_ms, 5'000);
  EXPECT_EQ(p.updated_ms, 5'000);
  auto none = reader.tx().purchases().find("pur-none");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_P(MarketPort, AdvanceMovesOnlyFromTheExpectedStateAndKeepsAReasonOnceSet) {
  write([](WriteTx& tx) {
    Purchases& ps = tx.purchases();
    ASSERT_TRUE(ps.insert(purchase("pur-1", "u1", 5'000)));
    auto moved = ps.advance("pur-1", "INITIATED", "RESERVED", "", 6'000);
    ASSERT_TRUE(moved.has_value());
    EXPECT_TRUE(*moved);
    auto again = ps.advance("pur-1", "INITIATED", "FAILED", "out_of_stock", 7'000);
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(*again);  // the step already ran: nothing changes
    auto failed = ps.advance("pur-1", "RESERVED", "PAYMENT_FAILED", "insufficient_funds", 8'000);
    ASSERT_TRUE(failed.has_value());
    EXPECT_TRUE(*failed);
    auto on = ps.advance("pur-1", "PAYMENT_FAILED", "COMPENSATING", "", 9'000);
    ASSERT_TRUE(on.has_value());
    EXPECT_TRUE(*on);
    auto missing = ps.advance("pur-none", "INITIATED", "RESERVED", "", 9'000);
    ASSERT_TRUE(missing.has_value());
    EXPECT_FALSE(*missing);
    ASSERT_TRUE(ps.set_transfer("pur-1", "pay-1"));
  });
  auto reader = store_->reader();
  auto p = reader.tx().purchases().find("pur-1");
  ASSERT_TRUE(p.has_value() && p->has_value());
  EXPECT_EQ((*p)->status, "COMPENSATING");
  EXPECT_EQ((*p)->reason, "insufficient_funds");  // an empty reason keeps the one set before
  EXPECT_EQ((*p)->updated_ms, 9'000);
  EXPECT_EQ((*p)->created_ms, 5'000);
  EXPECT_EQ((*p)->transfer_id, "pay-1");
}

TEST_P(MarketPort, StepsComeBackInTheOrderAppendedUpToTheLimit) {
  write([](WriteTx& tx) {
    Purchases& ps = tx.purchases();
    ASSERT_TRUE(ps.insert(purchase("pur-1", "u1", 5'000)));
    ASSERT_TRUE(ps.insert(purchase("pur-2", "u1", 5'000)));
    // Later steps carry earlier timestamps: the order is the order of appending.
    ASSERT_TRUE(ps.append_step("pur-1", {"PURCHASE_INITIATED", "INITIATED", 30}, "evt-1"));
    ASSERT_TRUE(ps.append_step("pur-2", {"PURCHASE_INITIATED", "INITIATED", 40}, "evt-x"));
    ASSERT_TRUE(ps.append_step("pur-1", {"INVENTORY_RESERVED", "RESERVED", 20}, "evt-2"));
    ASSERT_TRUE(ps.append_step("pur-1", {"PAYMENT_COMPLETED", "PAID", 10}, "evt-3"));
  });
  auto reader = store_->reader();
  auto steps = reader.tx().purchases().steps("pur-1", 10);
  ASSERT_TRUE(steps.has_value());
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ((*steps)[0].event_type, "PURCHASE_INITIATED");
  EXPECT_EQ((*steps)[0].state_after, "INITIATED");
  EXPECT_EQ((*steps)[0].at_ms, 30);
  EXPECT_EQ((*steps)[1].event_type, "INVENTORY_RESERVED");
  EXPECT_EQ((*steps)[2].event_type, "PAYMENT_COMPLETED");
  EXPECT_EQ((*steps)[2].state_after, "PAID");
  auto two = reader.tx().purchases().steps("pur-1", 2);
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].event_type, "INVENTORY_RESERVED");
  auto other = reader.tx().purchases().steps("pur-2", 10);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->size(), 1u);
}

TEST_P(MarketPort, PagesArePersonalNewestFirstAndStrictlyBeforeTheCursor) {
  write([](WriteTx& tx) {
    Purchases& ps = tx.purchases();
    ASSERT_TRUE(ps.insert(purchase("pur-a", "u1", 1'000)));
    ASSERT_TRUE(ps.insert(purchase("pur-b", "u1", 2'000)));
    ASSERT_TRUE(ps.insert(purchase("pur-c", "u1", 2'000)));  // same instant: id breaks the tie
    ASSERT_TRUE(ps.insert(purchase("pur-d", "u1", 3'000)));
    ASSERT_TRUE(ps.insert(purchase("pur-z", "u2", 2'500)));
  });
  auto reader = store_->reader();
  Purchases& ps = reader.tx().purchases();
  auto first = ps.page("u1", {INT64_MAX, ""}, 2);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].purchase_id, "pur-d");
  EXPECT_EQ((*first)[0].created_ms, 3'000);
  EXPECT_EQ((*first)[1].purchase_id, "pur-c");
  auto rest = ps.page("u1", first->back(), 10);
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].purchase_id, "pur-b");
  EXPECT_EQ((*rest)[1].purchase_id, "pur-a");
  EXPECT_EQ((*rest)[1].created_ms, 1'000);
  auto end = ps.page("u1", rest->back(), 10);
  ASSERT_TRUE(end.has_value());
  EXPECT_TRUE(end->empty());
  auto nobody = ps.page("u3", {INT64_MAX, ""}, 10);
  ASSERT_TRUE(nobody.has_value());
  EXPECT_TRUE(nobody->empty());
}

TEST_P(MarketPort, AStockHoldIsLiveUntilItExpiresOrIsResolvedOnce) {
  write([](WriteTx& tx) {
    Holds& h = tx.holds();
    ASSERT_TRUE(h.insert(stock_hold("pur-1", 10'000)));
    // A funds hold is not a stock hold.
    ASSERT_TRUE(h.insert(Hold{.hold_id = "hld-f",
                              .purchase_id = "pur-2",
                              .kind = "funds",
                              .account_id = "acc-456",
                              .amount_minor = 500,
                              .state = "held",
                              .created_ms = 1'000,
                              .expires_ms = 10'000}));
    auto before = h.stock_hold_live("pur-1", 9'999);
    ASSERT_TRUE(before.has_value());
    EXPECT_TRUE(*before);
    auto at = h.stock_hold_live("pur-1", 10'000);
    ASSERT_TRUE(at.has_value());
    EXPECT_FALSE(*at);
    auto funds = h.stock_hold_live("pur-2", 5'000);
    ASSERT_TRUE(funds.has_value());
    EXPECT_FALSE(*funds);
    auto funds_resolved = h.resolve_stock_hold("pur-2", "posted", "", 5'000);
    ASSERT_TRUE(funds_resolved.has_value());
    EXPECT_FALSE(*funds_resolved);
    // An expired hold that is still held is resolved (the sweeper voids those).
    auto resolved = h.resolve_stock_hold("pur-1", "voided", "hold_expired", 11'000);
    ASSERT_TRUE(resolved.has_value());
    EXPECT_TRUE(*resolved);
    auto twice = h.resolve_stock_hold("pur-1", "posted", "", 11'000);
    ASSERT_TRUE(twice.has_value());
    EXPECT_FALSE(*twice);
    auto after = h.stock_hold_live("pur-1", 5'000);
    ASSERT_TRUE(after.has_value());
    EXPECT_FALSE(*after);
  });
}

TEST_P(MarketPort, APurchaseHasAtMostOneHoldOfEachKind) {
  write([](WriteTx& tx) {
    ASSERT_TRUE(tx.holds().insert(stock_hold("pur-1", 10'000)));
    Hold again = stock_hold("pur-1", 20'000);
    again.hold_id = "hld-other";
    Savepoint sp(tx);  // a failed statement must not spoil the batch on any backend
    auto second = tx.holds().insert(again);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().kind, Error::Kind::kConstraint);
  });
}

TEST_P(MarketPort, ExpiredReservationsAreHeldStockHoldsOfReservedPurchasesEarliestFirst) {
  write([](WriteTx& tx) {
    Purchases& ps = tx.purchases();
    Holds& h = tx.holds();
    for (const char* id : {"pur-1", "pur-2", "pur-3", "pur-4", "pur-5"}) {
      ASSERT_TRUE(ps.insert(purchase(id, "u1", 1'000)));
      ASSERT_TRUE(ps.advance(id, "INITIATED", "RESERVED", "", 1'000).value_or(false));
    }
    ASSERT_TRUE(h.insert(stock_hold("pur-1", 3'000)));
    ASSERT_TRUE(h.insert(stock_hold("pur-2", 2'000)));
    ASSERT_TRUE(h.insert(stock_hold("pur-3", 9'000)));  // not expired yet
    ASSERT_TRUE(h.insert(stock_hold("pur-4", 1'500)));
    ASSERT_TRUE(h.resolve_stock_hold("pur-4", "voided", "", 1'600).value_or(false));  // resolved
    ASSERT_TRUE(h.insert(stock_hold("pur-5", 1'000)));
    ASSERT_TRUE(ps.advance("pur-5", "RESERVED", "PAID", "", 1'100).value_or(false));  // paid
  });
  auto reader = store_->reader();
  auto due = reader.tx().holds().expired_reservations(5'000, 10);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, (std::vector<std::string>{"pur-2", "pur-1"}));
  auto one = reader.tx().holds().expired_reservations(5'000, 1);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(*one, (std::vector<std::string>{"pur-2"}));
  auto at = reader.tx().holds().expired_reservations(3'000, 10);  // expires_ms <= now
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(*at, (std::vector<std::string>{"pur-2", "pur-1"}));
}

INSTANTIATE_TEST_SUITE_P(Stores, MarketPort, ::testing::ValuesIn(testing::backends()),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace centli::store
