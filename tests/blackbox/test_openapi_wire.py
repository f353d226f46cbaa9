"""The OpenAPI documents against the wire: requests over every documented operation and its
refusals, each answer checked against its group's document (status, content type, problem
code); and the one 409 worth retrying told apart from final ones by Retry-After.
(harness.Server also checks every answer any black-box test receives when its server stops.)"""

import unittest

from harness import Server, ServerTestCase, at_once, openapi_operations, undeclared

BAL = "/v1/core-banking/balance"
TRF = "/v1/core-banking/transfer"
TXN = "/v1/core-banking/transactions"
CAT = "/v1/marketplace/catalog"
BEN = "/v1/marketplace/benefits"
BUY = "/v1/marketplace/purchase"
PUR = "/v1/marketplace/purchases"
ALIAS = "/v1/crm/resolve-alias"
BOOK = "/v1/crm/beneficiaries"


def transfer(**fields):
    body = {"from_account": "acc-456", "to_account": "acc-457", "amount": "1.00"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def purchase(**fields):
    body = {"product_id": "prd-tshirt", "quantity": 1, "account_id": "acc-456",
            "option_id": "full:acc-456"}
    body.update(fields)
    return body


def problem_code(r):
    if r.headers.get("content-type", "").startswith("application/problem+json"):
        return r.json().get("code")
    return None


class EveryAnswerIsDeclared(ServerTestCase):
    server_args = ("--transfer-limit", "1000.00", "--daily-limit", "1500.00")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.crm_only = cls.server.token(user="user-123", scopes=["crm:read"])
        cls.seen = set()

    def expect(self, r, method, path, status, code=None):
        """The answer is `status` (and `code`), and its group's document declares it."""
        self.assertEqual((r.status, problem_code(r)), (status, code), r)
        why = undeclared(method, path, r.status, r.headers.get("content-type"), problem_code(r))
        self.assertIsNone(why, r)
        op = next(op for m, rx, op in openapi_operations()
                  if m == method and rx.match(path.split("?")[0]))
        self.seen.add(op["operationId"])

    def get_is(self, path, status, code=None, token="t123", **kw):
        r = self.get(path, token=getattr(self, token) if token else None, **kw)
        self.expect(r, "GET", path, status, code)
        return r

    def post_is(self, path, body, status, code=None, token="t123", key=None, **kw):
        r = self.post(path, body, token=getattr(self, token) if token else None, key=key, **kw)
        self.expect(r, "POST", path, status, code)
        return r

    def test_1_core_banking_answers_and_refusals(self):
        self.get_is(BAL, 200)
        self.get_is(BAL + "?account_id=acc-789", 404, "account_not_found")
        self.get_is(BAL + "?nope=1", 400, "invalid_request")
        self.get_is(BAL, 401, "unauthorized", token=None)
        self.get_is(BAL, 403, "forbidden", token="crm_only")
        self.get_is(BAL, 431, "header_too_large", headers={"X-Big": "x" * 20_000})
        self.post_is(TRF, transfer(), 201, key="wire-1")
        self.post_is(TRF, transfer(), 201, key="wire-1")  # the stored answer again
        self.post_is(TRF, transfer(amount="2.00"), 422, "idempotency_key_reused", key="wire-1")
        self.post_is(TRF, transfer(), 400, "idempotency_key_required")
        self.post_is(TRF, transfer(amount="abc"), 400, "invalid_request", key="wire-2")
        self.post_is(TRF, transfer(from_account="acc-789"), 404, "account_not_found", key="w3")
        cases = [(dict(to_account=None, to_beneficiary_id="ben-456-carlos"), 404,
                  "beneficiary_not_found"),
                 (dict(to_account=None, to_alias="netflix"), 404, "alias_not_found"),
                 (dict(to_account=None, to_alias="juanito"), 409, "alias_ambiguous"),
                 (dict(to_account=None, to_alias="mami"), 409, "alias_not_exact"),
                 (dict(to_account="acc-456"), 422, "same_account"),
                 (dict(to_account="acc-790"), 422, "account_inactive"),
                 (dict(currency="USD"), 422, "currency_mismatch"),
                 (dict(amount="1000.01"), 422, "amount_limit_exceeded"),
                 (dict(to_account="acc-789", amount="900.00"), 201, None),
                 (dict(to_account="acc-789", amount="700.00"), 422, "daily_limit_exceeded")]
        for i, (fields, status, code) in enumerate(cases):
            with self.subTest(code=code):
                self.post_is(TRF, transfer(**fields), status, code, key=f"wire-case-{i}")
        self.post_is(TRF, transfer(from_account="acc-999", to_account="acc-456", amount="500.00"),
                     422, "insufficient_funds", token="t999", key="wire-poor")
        self.post_is(TRF, None, 415, "unsupported_media_type", key="wire-4", raw="x",
                     headers={"Content-Type": "text/plain"})
        self.post_is(TRF, None, 413, "payload_too_large", key="wire-5",
                     raw=b"{" + b" " * (70 * 1024) + b"}",
                     headers={"Content-Type": "application/json"})
        self.get_is(TXN, 200)
        self.get_is(TXN + "?cursor=bad", 400, "invalid_request")
        self.get_is(TXN + "?account_id=acc-789", 404, "account_not_found")

    def test_2_marketplace_answers_and_refusals(self):
        self.get_is(CAT, 200)
        self.get_is(CAT + "?sort=cheap", 400, "invalid_request")
        self.post_is(BEN, {"product_id": "prd-phone-a15", "quantity": 1}, 200)
        self.post_is(BEN, {"product_id": "prd-nope", "quantity": 1}, 404, "product_not_found")
        self.post_is(BEN, {"product_id": "prd-phone-a15", "quantity": 1, "account_id": "acc-789"},
                     404, "account_not_found")
        self.post_is(BEN, {"product_id": "prd-phone-a15", "quantity": 1, "account_id": "acc-790"},
                     422, "account_inactive", token="t456")
        self.post_is(BEN, {"product_id": "prd-phone-a15", "quantity": 0}, 400, "invalid_request")
        bought = self.post_is(BUY, purchase(), 201, key="wire-buy").json()
        self.assertEqual(bought["status"], "CONFIRMED")
        failed = self.post_is(BUY, purchase(account_id="acc-999", option_id="full:acc-999",
                                            product_id="prd-phone-mini"),
                              200, token="t999", key="wire-buy-poor").json()
        self.assertEqual(failed["status"], "FAILED")
        self.post_is(BUY, purchase(product_id="prd-tv-55"), 409, "out_of_stock", key="wire-b2")
        self.post_is(BUY, purchase(option_id="nope"), 422, "option_not_available", key="wire-b3")
        self.post_is(BUY, purchase(product_id="prd-nope"), 404, "product_not_found", key="wb4")
        self.post_is(BUY, purchase(), 400, "idempotency_key_required")
        self.get_is(f"{PUR}/{bought['purchase_id']}", 200)
        self.get_is(f"{PUR}/pur-nope", 404, "purchase_not_found")
        self.get_is(PUR, 200)
        self.get_is(PUR + "?cursor=bad", 400, "invalid_request")

    def test_3_crm_answers_and_refusals(self):
        self.get_is(ALIAS + "?alias=mami", 200)
        self.get_is(ALIAS, 400, "invalid_request")
        self.get_is(BOOK, 200)
        self.get_is(BOOK + "?cursor=bad", 400, "invalid_request")
        sister = {"alias": "Hermana", "name": "Ana López", "clabe": "012180001234567899"}
        self.post_is(BOOK, sister, 201)
        self.post_is(BOOK, sister, 409, "beneficiary_duplicate")
        self.post_is(BOOK, dict(sister, alias="Otra", clabe="012180001234567890"), 400,
                     "invalid_clabe")
        self.post_is(BOOK, {"alias": "Nadie", "name": "Nadie", "account_id": "acc-nope"}, 404,
                     "account_not_found")

    def test_4_every_documented_operation_was_exercised(self):  # runs last: tests run by name
        documented = {op["operationId"] for _, _, op in openapi_operations()}
        self.assertEqual(self.seen, documented)


class RetryAfter(unittest.TestCase):
    """A command holds its key while it runs: payment stalls and the purchase waits 3 s for its
    saga, so a second request with the same key meets it in flight."""

    def test_only_the_in_flight_409_carries_retry_after_and_the_document_says_so(self):
        with Server(extra_args=["--test-faults", "stall-payment", "--purchase-wait-ms", "3000"],
                    env={"CENTLI_TEST_MODE": "1"}) as server:
            token = server.token(user="user-123")
            answers = at_once(lambda: server.request("POST", BUY, body=purchase(), token=token,
                                                     headers={"Idempotency-Key": "held"}), 2)
            answers.sort(key=lambda r: r.status)
            self.assertEqual([r.status for r in answers], [202, 409], answers)
            pending, busy = answers
            self.assertEqual(pending.json()["status"], "PENDING")
            self.assertEqual(busy.json()["code"], "idempotency_key_in_use")
            self.assertEqual(busy.headers.get("retry-after"), "1")
            again = server.request("POST", BUY, body=purchase(), token=token,
                                   headers={"Idempotency-Key": "held"})
            self.assertEqual((again.status, again.body), (202, pending.body))
            final = server.request("POST", BUY, body=purchase(product_id="prd-tv-55"),
                                   token=token, headers={"Idempotency-Key": "no-stock"})
            self.assertEqual((final.status, problem_code(final)), (409, "out_of_stock"))
            self.assertNotIn("retry-after", final.headers)
            for r in (pending, busy, final):
                self.assertIsNone(undeclared("POST", BUY, r.status, r.headers["content-type"],
                                             problem_code(r)))
            op = next(op for m, rx, op in openapi_operations() if m == "POST" and rx.match(BUY))
            self.assertIn("Retry-After", op["responses"]["409"]["headers"])
            self.assertIn("Retry-After", op["responses"]["503"]["headers"])
            self.assertNotIn("headers", op["responses"]["422"])


if __name__ == "__main__":
    unittest.main()
