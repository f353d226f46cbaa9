"""The REST contract of docs/api.md that every route shares, each promise with a test that
fails when it breaks: JSON media types and object bodies, the order of the common checks (404,
405 with Allow and 413 before 401; 401, 415, 400, 403, input, idempotency in that order), the
X-Correlation-Id check, the 140-character description, the bounds of the history's date filter,
and another person's purchase answering byte for byte like a missing one."""

import unittest

from contract_util import iso_ms, strip_correlation, unix_ms
from harness import ServerTestCase, money

BAL = "/v1/core-banking/balance"
TRF = "/v1/core-banking/transfer"
TXN = "/v1/core-banking/transactions"
BODY_MAX = 64 * 1024


class ContractHttpTest(ServerTestCase):
    keys = 0

    def key(self):
        ContractHttpTest.keys += 1
        return f"contract-{ContractHttpTest.keys}"

    def posted(self, account):
        r = self.get(f"{BAL}?account_id={account}", token=self.t123)
        self.assertEqual(r.status, 200, r)
        return money(r.json()["accounts"][0]["posted"])

    def send(self, raw, content_type, token=None, key=None, path=TRF):
        headers = {"Content-Type": content_type}
        return self.post(path, token=token, key=key, raw=raw, headers=headers)

    def own_transfer(self, amount="1.00", **extra):
        """A transfer between user-123's own accounts (no limit is touched)."""
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": amount, **extra}
        return self.post(TRF, body, token=self.t123, key=self.key())

    # ------------------------------------------------------------------ media types, bodies

    def test_json_media_types_with_parameters_and_plus_json_are_accepted(self):
        raw = '{"from_account":"acc-457","to_account":"acc-456","amount":"0.01"}'
        for content_type in ("application/merchant+json", "application/json; charset=utf-8",
                             "Application/JSON", "application/problem+json ; charset=UTF-8"):
            with self.subTest(content_type=content_type):
                before = self.posted("acc-457")
                r = self.send(raw, content_type, token=self.t123, key=self.key())
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.json()["amount"], "0.01")
                self.assertEqual(self.posted("acc-457"), before - 1)

    def test_other_media_types_are_415(self):
        raw = '{"from_account":"acc-457","to_account":"acc-456","amount":"0.01"}'
        for content_type in ("text/json", "application/jsonx", "application/x-json",
                             "text/plain", "application/json-patch"):
            with self.subTest(content_type=content_type):
                r = self.send(raw, content_type, token=self.t123, key=self.key())
                self.assertProblem(r, 415, "unsupported_media_type")

    def test_a_json_body_that_is_not_an_object_is_400_naming_the_body(self):
        before = self.posted("acc-457")
        for raw in ("[]", '"x"', "1", "null", "true",
                    '[{"from_account":"acc-457","to_account":"acc-456","amount":"1"}]'):
            with self.subTest(body=raw):
                r = self.send(raw, "application/json", token=self.t123, key=self.key())
                self.assertProblem(r, 400, "invalid_request", field="body")
        self.assertEqual(self.posted("acc-457"), before)

    # ------------------------------------------------------------------ order of checks

    def test_an_unknown_path_is_404_before_authentication(self):
        for token in (None, "cnt_not-a-token"):
            with self.subTest(token=token):
                self.assertProblem(self.get("/v1/nope", token=token), 404, "not_found")
                r = self.send("{}", "application/json", token=token, path="/v1/core-banking")
                self.assertProblem(r, 404, "not_found")

    def test_another_method_is_405_with_allow_before_authentication(self):
        cases = [
            ("POST", BAL, {"GET"}),
            ("GET", TRF, {"POST"}),
            ("DELETE", "/v1/crm/beneficiaries", {"GET", "POST"}),
            ("PUT", "/v1/admin/events/dlq", {"GET", "POST", "DELETE"}),
            ("GET", "/v1/agents/bedrock", {"POST"}),
            ("POST", "/v1/openapi/core-banking.json", {"GET"}),
            ("POST", "/healthz", {"GET", "HEAD"}),
            ("DELETE", "/readyz", {"GET", "HEAD"}),
        ]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path)
                self.assertProblem(r, 405, "method_not_allowed")
                self.assertEqual(set(r.headers.get("allow", "").split(", ")), allowed, r.headers)

    def test_a_body_over_64_kib_is_413_before_authentication(self):
        def body(size):
            raw = '{"description":"' + "a" * size + '"}'
            return raw[:size - 2] + '"}'
        self.assertEqual(len(body(BODY_MAX + 1)), BODY_MAX + 1)
        r = self.send(body(BODY_MAX + 1), "application/json")
        self.assertProblem(r, 413, "payload_too_large")
        # At the limit the size passes and authentication is what refuses it.
        self.assertProblem(self.send(body(BODY_MAX), "application/json"), 401, "unauthorized")

    def test_the_common_checks_run_in_their_documented_order(self):
        read_only = self.server.token(user="user-123", scopes=["banking:read"])
        good = '{"from_account":"acc-457","to_account":"acc-456","amount":"1"}'
        cases = [
            # 3 authentication before 4 body type and JSON.
            (None, "a=1", "text/plain", None, 401, "unauthorized", None),
            (None, "{nope", "application/json", None, 401, "unauthorized", None),
            # 4 body type and JSON before 5 scope.
            (read_only, "a=1", "text/plain", None, 415, "unsupported_media_type", None),
            (read_only, "{nope", "application/json", None, 400, "invalid_request", "body"),
            (read_only, "[]", "application/json", None, 400, "invalid_request", "body"),
            # 5 scope before 6 input.
            (read_only, '{"x":1}', "application/json", None, 403, "forbidden", None),
            # 6 input before 7 idempotency.
            (self.t123, '{"x":1}', "application/json", None, 400, "invalid_request", "x"),
            (self.t123, good, "application/json", "k" * 256, 400, "invalid_request",
             "Idempotency-Key"),
            (self.t123, good, "application/json", None, 400, "idempotency_key_required", None),
        ]
        for token, raw, content_type, key, status, code, field in cases:
            with self.subTest(token=bool(token), body=raw, content_type=content_type):
                r = self.send(raw, content_type, token=token, key=key)
                self.assertProblem(r, status, code, field=field)

    # ------------------------------------------------------------------ correlation ids

    def test_a_sane_correlation_id_is_echoed(self):
        for given in ("abc-123_XYZ.9:z", "c" * 128, "7"):
            with self.subTest(given=given):
                ok = self.get(BAL, token=self.t123, headers={"X-Correlation-Id": given})
                self.assertEqual(ok.status, 200, ok)
                self.assertEqual(ok.headers.get("x-correlation-id"), given)
                refused = self.get(BAL, headers={"X-Correlation-Id": given})
                self.assertEqual(refused.headers.get("x-correlation-id"), given)
                self.assertEqual(self.assertProblem(refused, 401, "unauthorized")
                                 ["correlation_id"], given)

    def test_a_correlation_id_failing_its_check_is_replaced_by_a_new_one(self):
        seen = set()
        for given in ("has space", "a/b", "<script>", "semi;colon", "c" * 129, "caf\u00e9",
                      "quote\"d"):
            with self.subTest(given=given):
                headers = {"X-Correlation-Id": given.encode("utf-8")}
                ok = self.get(BAL, token=self.t123, headers=headers)
                self.assertEqual(ok.status, 200, ok)
                made = ok.headers.get("x-correlation-id", "")
                self.assertRegex(made, r"^cor-[0-9a-f]+$")
                refused = self.get(BAL, headers=headers)
                problem = self.assertProblem(refused, 401, "unauthorized")
                self.assertRegex(problem["correlation_id"], r"^cor-[0-9a-f]+$")
                self.assertEqual(refused.headers.get("x-correlation-id"),
                                 problem["correlation_id"])
                self.assertNotIn(problem["correlation_id"], seen | {made})
                seen |= {made, problem["correlation_id"]}

    # ------------------------------------------------------------------ description

    def test_a_description_of_140_characters_is_accepted_and_141_refused(self):
        for text in ("d" * 140, "\u00f1" * 140, "\U0001F4B8" * 140):
            with self.subTest(length=len(text), utf8_bytes=len(text.encode())):
                r = self.own_transfer(description=text)
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.json()["description"], text)
                history = self.get(f"{TXN}?account_id=acc-457&limit=1", token=self.t123).json()
                self.assertEqual(history["transactions"][0]["description"], text)
        before = self.posted("acc-457")
        for text in ("d" * 141, "\u00f1" * 141, "d" * 10_000):
            with self.subTest(length=len(text)):
                r = self.own_transfer(description=text)
                self.assertProblem(r, 400, "invalid_request", field="description")
        self.assertEqual(self.posted("acc-457"), before)

    # ------------------------------------------------------------------ history date filter

    def test_history_from_is_inclusive_and_to_is_exclusive_to_the_millisecond(self):
        r = self.own_transfer(amount="0.02")
        self.assertEqual(r.status, 201, r)
        transfer_id = r.json()["transfer_id"]
        rows = self.get(f"{TXN}?account_id=acc-457&limit=1", token=self.t123).json()
        self.assertEqual(rows["transactions"][0]["transfer_id"], transfer_id)
        at = unix_ms(rows["transactions"][0]["timestamp"])
        day = iso_ms(at)[:10]
        next_day = iso_ms(at + 86_400_000)[:10]
        mexico = iso_ms(at - 6 * 3_600_000)[:-1] + "-06:00"  # the same instant, UTC-6

        def shown(query):
            r = self.get(f"{TXN}?account_id=acc-457&limit=100&{query}", token=self.t123)
            self.assertEqual(r.status, 200, r)
            return transfer_id in [x["transfer_id"] for x in r.json()["transactions"]]

        cases = [
            (f"from={iso_ms(at)}", True),
            (f"from={iso_ms(at + 1)}", False),
            (f"to={iso_ms(at)}", False),
            (f"to={iso_ms(at + 1)}", True),
            (f"from={iso_ms(at)}&to={iso_ms(at + 1)}", True),
            (f"from={iso_ms(at - 1)}&to={iso_ms(at)}", False),
            (f"from={day}", True),  # a date alone is midnight UTC
            (f"to={day}", False),
            (f"from={day}&to={next_day}", True),
            (f"from={next_day}", False),
            (f"from={mexico}", True),
            (f"to={mexico}", False),
        ]
        for query, expected in cases:
            with self.subTest(query=query):
                self.assertEqual(shown(query), expected)

    # ------------------------------------------------------------------ another's purchase

    def test_another_persons_purchase_answers_byte_for_byte_like_a_missing_one(self):
        r = self.post("/v1/marketplace/purchase",
                      {"product_id": "prd-coffee", "quantity": 1, "account_id": "acc-456",
                       "option_id": "full:acc-456"}, token=self.t123, key=self.key())
        self.assertIn(r.status, (201, 202), r)
        theirs = r.json()["purchase_id"]
        missing = theirs[:-4] + ("0000" if not theirs.endswith("0000") else "1111")
        own = self.get(f"/v1/marketplace/purchases/{theirs}", token=self.t123)
        self.assertEqual(own.status, 200, own)
        other = self.get(f"/v1/marketplace/purchases/{theirs}", token=self.t456)
        absent = self.get(f"/v1/marketplace/purchases/{missing}", token=self.t456)
        self.assertProblem(other, 404, "purchase_not_found", field="purchase_id")
        self.assertEqual(strip_correlation(other.body), strip_correlation(absent.body))
        self.assertEqual(other.headers.get("content-type"), absent.headers.get("content-type"))
        self.assertNotIn(theirs.encode(), other.body)


if __name__ == "__main__":
    unittest.main()
