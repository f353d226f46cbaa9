#include "actions/dispatcher.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "store/beneficiaries.h"
#include "store/idempotency.h"
#include "util/limits.h"

namespace centli::actions {
namespace {

// The person whose address book holds the test command's effects, one beneficiary each.
constexpr std::string_view kEffectsOwner = "test-effects";

// A store in a fresh temporary directory and a tiny command that records one row per effect
// (through the storage port, as a beneficiary of kEffectsOwner).
// The command refuses while `refuse` is set and waits for `gate` when one is installed, so
// that a test can hold it "in flight" on the writer thread.
class DispatcherIdempotency : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/centli-dispatcher-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = store::Store::open({.data_dir = dir_});
    ASSERT_TRUE(s.has_value()) << s.error();
    store_ = std::move(*s);
    services_ = std::make_unique<Services>(Services{*store_, {}});
    dispatcher_ = std::make_unique<Dispatcher>(*services_);
    action_.name = "test_effect";
    action_.group = "test";
    action_.scope = auth::kBankingTransfer;
    action_.method = "POST";
    action_.path = "/test";
    action_.read_only = false;
    action_.key_required = true;
    action_.fields = {Field{"note", FieldType::kString, true, "A note.", 64}};
    action_.prepare = [this](const Call& call) -> std::expected<WriteFn, Error> {
      return [this, note = std::string(*call.input.str("note"))](
                 store::WriteTx& tx) -> std::expected<Reply, Error> {
        if (gate_) gate_entered_.set_value(), gate_->wait();
        if (refuse_) return std::unexpected(Error{ErrorCode::kInsufficientFunds, "no", "", ""});
        const std::string serial = std::to_string(++serial_);
        auto added = tx.beneficiaries().insert({.beneficiary_id = "ben-effect-" + serial,
                                                .user_id = std::string(kEffectsOwner),
                                                .alias = "effect " + serial,
                                                .alias_normalized = "effect " + serial,
                                                .name = note,
                                                .clabe = "012180001234567899",
                                                .bank_code = "012",
                                                .bank_name = "BBVA MEXICO",
                                                .created_ms = tx.now_ms()});
        if (!added) return std::unexpected(Error{ErrorCode::kInternal, "insert", "", ""});
        return Reply{201, "{\"note\":\"" + note + "\",\"at\":" + std::to_string(tx.now_ms()) +
                              ",\"serial\":" + serial + "}"};
      };
    };
  }

  void TearDown() override {
    dispatcher_.reset();
    if (store_) store_->close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Outcome call(std::string_view note, std::string key, std::string subject = "user-123") {
    rapidjson::Document doc;
    doc.SetObject();
    doc.AddMember(
        "note",
        rapidjson::Value(note.data(), static_cast<unsigned>(note.size()), doc.GetAllocator()),
        doc.GetAllocator());
    Invocation inv;
    inv.action = &action_;
    inv.principal =
        auth::Principal{auth::Principal::Kind::kUser, subject, false, auth::kPersonScopesDefault};
    inv.user_id = subject;
    inv.input = &doc;
    inv.idempotency_key = std::move(key);
    inv.correlation_id = "corr-" + std::to_string(++calls_);
    return dispatcher_->invoke_sync(inv);
  }

  // The problem's `code`, and `field` after a slash when it names one ("invalid_request/x").
  static std::string problem_of(const Outcome& o) {
    rapidjson::Document body;
    body.Parse(o.body.c_str());
    if (body.HasParseError() || !body.IsObject() || !body.HasMember("code")) return "";
    std::string out = body["code"].GetString();
    if (body.HasMember("field")) out += std::string("/") + body["field"].GetString();
    return out;
  }

  std::int64_t effects() {
    auto r = store_->reader();
    auto n = r.tx().beneficiaries().count(kEffectsOwner);
    EXPECT_TRUE(n.has_value());
    return n.value_or(-1);
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Dispatcher> dispatcher_;
  Action action_;
  std::atomic<bool> refuse_{false};
  std::shared_future<void>* gate_ = nullptr;
  std::promise<void> gate_entered_;
  int serial_ = 0;
  int calls_ = 0;
};

TEST_F(DispatcherIdempotency, ReplaysTheStoredResponseByteIdenticalWithoutASecondEffect) {
  const Outcome first = call("rent", "key-1");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(first.replayed);
  const Outcome again = call("rent", "key-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(effects(), 1);
}

TEST_F(DispatcherIdempotency, RefusesTheSameKeyWithADifferentPayloadWith422) {
  ASSERT_EQ(call("rent", "key-1").status, 201);
  const Outcome other = call("groceries", "key-1");
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(problem_of(other), "idempotency_key_reused") << other.body;
  EXPECT_EQ(effects(), 1);
}

TEST_F(DispatcherIdempotency, RefusesTheSameKeyWith409WhileTheFirstRequestIsInFlight) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  gate_ = &gate;
  auto first = std::async(std::launch::async, [&] { return call("rent", "key-1"); });
  gate_entered_.get_future().wait();  // the first request now runs on the writer
  const Outcome second = call("rent", "key-1");
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(problem_of(second), "idempotency_key_in_use") << second.body;
  EXPECT_EQ(second.retry_after_s, 1);  // worth sending again, unlike a stored refusal
  release.set_value();
  const Outcome done = first.get();
  gate_ = nullptr;
  EXPECT_EQ(done.status, 201);
  const Outcome after = call("rent", "key-1");
  EXPECT_EQ(after.body, done.body);
  EXPECT_EQ(effects(), 1);
}

TEST_F(DispatcherIdempotency, KeepsARefusalStickyEvenWhenTheRequestWouldNowSucceed) {
  refuse_ = true;
  const Outcome first = call("rent", "key-1");
  ASSERT_EQ(first.status, 422) << first.body;
  EXPECT_EQ(problem_of(first), "insufficient_funds") << first.body;
  refuse_ = false;
  const Outcome again = call("rent", "key-1");
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(first.retry_after_s, 0);
  EXPECT_EQ(again.retry_after_s, 0);
  EXPECT_EQ(effects(), 0);
  EXPECT_EQ(call("rent", "key-2").status, 201);  // a new key is a new request
  EXPECT_EQ(effects(), 1);
}

TEST_F(DispatcherIdempotency, ScopesKeysPerPrincipal) {
  const Outcome a = call("rent", "shared-key", "user-123");
  const Outcome b = call("rent", "shared-key", "user-456");
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  EXPECT_FALSE(b.replayed);
  EXPECT_NE(a.body, b.body);
  EXPECT_EQ(effects(), 2);
  const Outcome reused = call("other", "shared-key", "user-456");
  EXPECT_EQ(reused.status, 422) << reused.body;
  EXPECT_EQ(problem_of(reused), "idempotency_key_reused") << reused.body;
}

TEST_F(DispatcherIdempotency, RetainsKeysFor24HoursAndForgetsThemAfterwards) {
  ASSERT_EQ(call("rent", "key-1").status, 201);
  std::optional<store::IdempotencyRecord> record;
  {
    auto r = store_->reader();
    auto found = r.tx().idempotency().find("user:user-123|user-123", "key-1", 0);
    ASSERT_TRUE(found.has_value() && found->has_value());
    record = **found;
    EXPECT_EQ(record->expires_ms - record->created_ms, limits::kIdempotencyRetentionMs);
  }
  ASSERT_TRUE(store_->write_sync([&](store::WriteTx& tx) {
    record->expires_ms = tx.now_ms() - 1;
    ASSERT_TRUE(tx.idempotency().put(*record));
  }));
  const Outcome fresh = call("groceries", "key-1");
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  EXPECT_FALSE(fresh.replayed);
  EXPECT_EQ(effects(), 2);
}

TEST_F(DispatcherIdempotency, RequiresAKeyForCommandsThatMoveMoney) {
  const Outcome o = call("rent", "");
  EXPECT_EQ(o.status, 400) << o.body;
  EXPECT_EQ(problem_of(o), "idempotency_key_required") << o.body;
  EXPECT_EQ(effects(), 0);
}

TEST_F(DispatcherIdempotency, RefusesKeysThatAreTooLongOrNotVisibleAscii) {
  for (const std::string& key :
       {std::string(limits::kIdempotencyKeyMax + 1, 'k'), std::string("has space"),
        std::string("tab\tkey"), std::string("\xc3\xb1")}) {
    const Outcome o = call("rent", key);
    EXPECT_EQ(o.status, 400) << key;
    EXPECT_EQ(problem_of(o), "invalid_request/Idempotency-Key") << o.body;
  }
  EXPECT_EQ(call("rent", std::string(limits::kIdempotencyKeyMax, 'k')).status, 201);
  EXPECT_EQ(effects(), 1);
}

TEST_F(DispatcherIdempotency, GivesOneEffectForManyIdenticalRequestsInParallel) {
  constexpr int kThreads = 16;
  std::vector<std::future<Outcome>> outs;
  for (int i = 0; i < kThreads; ++i) {
    outs.push_back(std::async(std::launch::async, [&] { return call("rent", "key-par"); }));
  }
  std::string body;
  for (auto& f : outs) {
    const Outcome o = f.get();
    ASSERT_TRUE(o.status == 201 || o.status == 409) << o.status << " " << o.body;
    if (o.status == 201) {
      if (body.empty()) body = o.body;
      EXPECT_EQ(o.body, body);
    }
  }
  EXPECT_EQ(effects(), 1);
}

// A constraint that stops a write surfaces as kInternal with the driver's text; that text is
// for the log, never for the client (who may be another bank's agent).
TEST(DispatcherProblem, AnInternalErrorSaysOnlyThatAndTheCorrelationId) {
  Outcome out = Dispatcher::problem(
      Error{ErrorCode::kInternal, "CHECK constraint failed: posted_minor >= 0", "", ""}, "cor-7");
  EXPECT_EQ(out.status, 500);
  rapidjson::Document body;
  body.Parse(out.body.c_str());
  ASSERT_TRUE(body.IsObject()) << out.body;
  EXPECT_STREQ(body["code"].GetString(), "internal_error");
  EXPECT_STREQ(body["detail"].GetString(),
               "internal error; quote correlation id cor-7 when reporting it");
  EXPECT_EQ(out.body.find("CHECK"), std::string::npos) << out.body;
}

TEST(DispatcherProblem, ARefusalKeepsItsOwnDetail) {
  Outcome out =
      Dispatcher::problem(Error{ErrorCode::kInsufficientFunds,
                                "the source account has insufficient funds", "amount", ""},
                          "cor-8");
  rapidjson::Document body;
  body.Parse(out.body.c_str());
  ASSERT_TRUE(body.IsObject()) << out.body;
  EXPECT_STREQ(body["detail"].GetString(), "the source account has insufficient funds");
}

}  // namespace
}  // namespace centli::actions
