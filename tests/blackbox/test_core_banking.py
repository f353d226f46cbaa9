"""Core banking through the REST front door: every route's success, every error code, the
two-person BOLA matrix and delegated service tokens."""

import re
import unittest

from harness import ServerTestCase, money

BAL = "/v1/core-banking/balance"
TRF = "/v1/core-banking/transfer"
TXN = "/v1/core-banking/transactions"


def strip_correlation(body):
    return re.sub(rb'"correlation_id":"[^"]*"', b'"correlation_id":""', body)


class CoreBankingTest(ServerTestCase):
    # Small limits so that both limit refusals are reachable with demo balances.
    server_args = ("--transfer-limit", "1000.00", "--daily-limit", "1500.00")
    keys = 0

    def transfer(self, body, token=None, key=None):
        CoreBankingTest.keys += 1
        return self.post(TRF, body, token=token or self.t123, key=key or f"k-{self.keys}")

    def balance_of(self, account, token=None):
        r = self.get(f"{BAL}?account_id={account}", token=token or self.t123)
        self.assertEqual(r.status, 200, r)
        return r.json()["accounts"][0]

    # ------------------------------------------------------------------ successes

    def test_balance_lists_every_own_account_masked(self):
        r = self.get(BAL, token=self.t123)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        ids = {a["account_id"] for a in body["accounts"]}
        self.assertEqual(ids, {"acc-456", "acc-457", "acc-458"})
        for a in body["accounts"]:
            for k in ("posted", "held", "available", "currency", "account_number", "type",
                      "status"):
                self.assertIn(k, a)
            self.assertTrue(a["account_number"].startswith("****"), a)
        card = next(a for a in body["accounts"] if a["account_id"] == "acc-458")
        self.assertEqual(card["type"], "credit")
        self.assertIn("credit_limit", card)
        self.assertTrue(body["summary"])

    def test_balance_summary_follows_accept_language(self):
        es = self.get(BAL, token=self.t999).json()["summary"]
        en = self.get(BAL, token=self.t999, headers={"Accept-Language": "en-US"}).json()
        self.assertIn("disponible", es)
        self.assertIn("available", en["summary"])

    def test_transfer_moves_money_with_double_entry_and_shows_in_history(self):
        before_src = money(self.balance_of("acc-457")["posted"])
        before_dst = money(self.balance_of("acc-456")["posted"])
        r = self.transfer({"from_account": "acc-457", "to_account": "acc-456", "amount": "12.5"})
        self.assertEqual(r.status, 201, r)
        t = r.json()
        self.assertEqual(t["amount"], "12.50")
        self.assertEqual(t["status"], "COMPLETED")
        self.assertEqual(money(t["balance_after"]), before_src - 1250)
        self.assertEqual(money(self.balance_of("acc-457")["posted"]), before_src - 1250)
        self.assertEqual(money(self.balance_of("acc-456")["posted"]), before_dst + 1250)
        h = self.get(f"{TXN}?limit=100", token=self.t123).json()["transactions"]
        legs = [x for x in h if x["transfer_id"] == t["transfer_id"]]
        self.assertEqual(sorted(x["direction"] for x in legs), ["credit", "debit"])
        credit = next(x for x in legs if x["direction"] == "credit")
        self.assertEqual(money(credit["balance_after"]), before_dst + 1250)

    def test_transfer_accepts_a_json_number_amount_exactly(self):
        r = self.post(TRF, token=self.t123, key="number-amount",
                      raw='{"from_account":"acc-457","to_account":"acc-456","amount":0.25}',
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["amount"], "0.25")

    def test_history_pages_newest_first_with_a_stable_cursor(self):
        for i in range(5):
            r = self.transfer({"from_account": "acc-457", "to_account": "acc-456",
                               "amount": f"1.0{i}"})
            self.assertEqual(r.status, 201, r)
        first = self.get(f"{TXN}?account_id=acc-457&limit=2", token=self.t123).json()
        self.assertEqual(len(first["transactions"]), 2)
        self.assertIsNotNone(first["next_cursor"])
        # A transaction that arrives between pages must not shift the next page.
        self.transfer({"from_account": "acc-457", "to_account": "acc-456", "amount": "2"})
        second = self.get(f"{TXN}?account_id=acc-457&limit=2&cursor={first['next_cursor']}",
                          token=self.t123).json()
        whole = self.get(f"{TXN}?account_id=acc-457&limit=100", token=self.t123).json()
        ids = [x["transaction_id"] for x in whole["transactions"]]
        got = [x["transaction_id"] for x in first["transactions"] + second["transactions"]]
        self.assertEqual(got, ids[1:5])
        stamps = [x["timestamp"] for x in whole["transactions"]]
        self.assertEqual(stamps, sorted(stamps, reverse=True))

    def test_history_filters_by_dates(self):
        r = self.get(f"{TXN}?from=2000-01-01&to=2000-01-02", token=self.t123)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["transactions"], [])

    def test_health_routes_need_no_token(self):
        self.assertEqual(self.get("/healthz").status, 200)
        self.assertEqual(self.get("/readyz").status, 200)

    # ------------------------------------------------------------------ protocol errors

    def test_401_without_or_with_a_bad_token(self):
        self.assertProblem(self.get(BAL), 401, "unauthorized")
        self.assertProblem(self.get(BAL, token="cnt_nope"), 401, "unauthorized")

    def test_403_per_scope(self):
        read_only = self.server.token(user="user-123", scopes=["banking:read"])
        transfer_only = self.server.token(user="user-123", scopes=["banking:transfer"])
        self.assertEqual(self.get(BAL, token=read_only).status, 200)
        self.assertProblem(self.transfer({"from_account": "acc-457", "to_account": "acc-456",
                                          "amount": "1"}, token=read_only), 403, "forbidden")
        self.assertProblem(self.get(BAL, token=transfer_only), 403, "forbidden")
        self.assertProblem(self.get(TXN, token=transfer_only), 403, "forbidden")

    def test_404_unknown_route_and_405_wrong_method(self):
        self.assertProblem(self.get("/v1/nope", token=self.t123), 404, "not_found")
        r = self.post(BAL, {}, token=self.t123)
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertIn("GET", r.headers.get("allow", ""))

    def test_413_over_64_kib(self):
        body = '{"from_account":"' + "a" * (64 * 1024) + '"}'
        r = self.post(TRF, token=self.t123, key="big", raw=body,
                      headers={"Content-Type": "application/json"})
        self.assertProblem(r, 413, "payload_too_large")

    def test_415_non_json_body(self):
        r = self.post(TRF, token=self.t123, key="form", raw="amount=5",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertProblem(r, 415, "unsupported_media_type")

    def test_400_names_the_field(self):
        base = {"from_account": "acc-457", "to_account": "acc-456", "amount": "1"}
        for amount in ("500.255", "-1", "0", "1e3", "abc", " 1", "1,000", ".5", "5."):
            r = self.transfer({**base, "amount": amount})
            self.assertProblem(r, 400, "invalid_request", field="amount")
        r = self.transfer({k: v for k, v in base.items() if k != "to_account"})
        self.assertProblem(r, 400, "invalid_request", field="to_account")
        self.assertProblem(self.transfer({**base, "surprise": 1}), 400, "invalid_request",
                           field="surprise")
        self.assertProblem(self.get(f"{TXN}?limit=101", token=self.t123), 400,
                           "invalid_request", field="limit")
        self.assertProblem(self.get(f"{TXN}?limit=0", token=self.t123), 400,
                           "invalid_request", field="limit")
        self.assertProblem(self.get(f"{TXN}?cursor=h1.garbage!", token=self.t123), 400,
                           "invalid_request", field="cursor")
        self.assertProblem(self.get(f"{TXN}?from=yesterday", token=self.t123), 400,
                           "invalid_request", field="from")
        self.assertProblem(self.get(f"{BAL}?color=red", token=self.t123), 400,
                           "invalid_request", field="color")
        r = self.post(TRF, token=self.t123, key="broken", raw="{nope",
                      headers={"Content-Type": "application/json"})
        self.assertProblem(r, 400, "invalid_request", field="body")

    # ------------------------------------------------------------------ business errors

    def test_every_transfer_refusal_code(self):
        cases = [
            ({"from_account": "acc-404", "to_account": "acc-456", "amount": "1"}, 404,
             "account_not_found", "from_account"),
            ({"from_account": "acc-456", "to_account": "acc-404", "amount": "1"}, 404,
             "account_not_found", "to_account"),
            ({"from_account": "acc-456", "to_account": "acc-clearing", "amount": "1"}, 404,
             "account_not_found", "to_account"),
            ({"from_account": "acc-456", "to_account": "acc-456", "amount": "1"}, 422,
             "same_account", "to_account"),
            ({"from_account": "acc-456", "to_account": "acc-790", "amount": "1"}, 422,
             "account_inactive", "to_account"),
            ({"from_account": "acc-456", "to_account": "acc-457", "amount": "1",
              "currency": "USD"}, 422, "currency_mismatch", "currency"),
            ({"from_account": "acc-456", "to_account": "acc-457", "amount": "1000.01"}, 422,
             "amount_limit_exceeded", "amount"),
        ]
        for body, status, code, field in cases:
            with self.subTest(code=code, body=body):
                self.assertProblem(self.transfer(body), status, code, field=field)
        r = self.transfer({"from_account": "acc-999", "to_account": "acc-789", "amount": "200"},
                          token=self.t999)
        self.assertProblem(r, 422, "insufficient_funds", field="amount")

    def test_daily_limit_counts_only_transfers_to_other_people(self):
        t = self.server.token(user="user-456")
        ok = self.transfer({"from_account": "acc-789", "to_account": "acc-457", "amount": "1000"},
                           token=t)
        self.assertEqual(ok.status, 201, ok)
        r = self.transfer({"from_account": "acc-789", "to_account": "acc-457", "amount": "500.01"},
                          token=t)
        self.assertProblem(r, 422, "daily_limit_exceeded", field="amount")

    def test_idempotency_key_is_required_for_transfers(self):
        r = self.post(TRF, {"from_account": "acc-457", "to_account": "acc-456", "amount": "1"},
                      token=self.t123)
        self.assertProblem(r, 400, "idempotency_key_required")

    # ------------------------------------------------------------------ BOLA matrix

    def test_another_persons_account_answers_exactly_like_a_missing_one(self):
        # user-123 probes user-456's acc-789; user-456 probes user-123's acc-456.
        for token, theirs in ((self.t123, "acc-789"), (self.t456, "acc-456")):
            own = "acc-456" if theirs == "acc-789" else "acc-789"
            probes = [
                lambda a: self.get(f"{BAL}?account_id={a}", token=token),
                lambda a: self.get(f"{TXN}?account_id={a}", token=token),
                lambda a: self.transfer({"from_account": a, "to_account": own, "amount": "1"},
                                        token=token, key="bola-" + a + own),
            ]
            for i, probe in enumerate(probes):
                with self.subTest(token=theirs, route=i):
                    other = probe(theirs)
                    missing = probe("acc-000")
                    self.assertEqual(other.status, 404, other)
                    self.assertEqual(strip_correlation(other.body).replace(theirs.encode(), b"X"),
                                     strip_correlation(missing.body).replace(b"acc-000", b"X"))
            self.assertNotIn(theirs, self.get(BAL, token=token).body.decode())
            self.assertNotIn(theirs.encode(), self.get(f"{TXN}?limit=100", token=token).body
                             .replace(b'"counterparty":"' + theirs.encode(), b""))

    def test_a_persons_token_cannot_name_someone_else(self):
        r = self.get(BAL, token=self.t123, headers={"X-Centli-User": "user-456"})
        self.assertProblem(r, 403, "forbidden")

    # ------------------------------------------------------------------ delegated services

    def test_delegated_service_acts_for_the_person_it_names(self):
        svc = self.server.token(service="assistant", delegate=True,
                                scopes=["banking:read", "banking:transfer"])
        r = self.get(BAL, token=svc, headers={"X-Centli-User": "user-999"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([a["account_id"] for a in r.json()["accounts"]], ["acc-999"])
        self.assertProblem(self.get(BAL, token=svc), 400, "invalid_request", field="X-Centli-User")
        r = self.get(f"{BAL}?account_id=acc-456", token=svc, headers={"X-Centli-User": "user-999"})
        self.assertProblem(r, 404, "account_not_found")
        r = self.post(TRF, {"from_account": "acc-999", "to_account": "acc-789", "amount": "1"},
                      token=svc, key="svc-1", headers={"X-Centli-User": "user-999"})
        self.assertEqual(r.status, 201, r)
        read_svc = self.server.token(service="reader", delegate=True, scopes=["banking:read"])
        r = self.post(TRF, {"from_account": "acc-999", "to_account": "acc-789", "amount": "1"},
                      token=read_svc, key="svc-2", headers={"X-Centli-User": "user-999"})
        self.assertProblem(r, 403, "forbidden")


if __name__ == "__main__":
    unittest.main()
