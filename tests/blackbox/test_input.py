"""Input grammar and strictness at every door (issue 9, items 2 and 9).

One table of amounts goes through every door: REST, Bedrock (function and OpenAPI variants),
AgentCore, MCP over HTTP, and `centli call` (direct on a data directory and remote through the
server). Each accepted amount moves exactly that many centavos; each refused one moves nothing
and every door gives the same reason: a 400 problem naming `amount`, a Bedrock REPROMPT, an MCP
result with isError, or `centli call` exit 2. Then JSON types, duplicate keys, calendar dates and
hidden bidirectional controls."""

import json
import tempfile
import unittest
import uuid

from harness import ServerTestCase, money, remove_data, run_cli, store_args
from test_agents import api_event, function_event

TRF = "/v1/core-banking/transfer"
TXN = "/v1/core-banking/transactions"
SHAPE = 'amount must be a decimal number like "500" or "500.25"'
NOT_AN_AMOUNT = 'amount must be a decimal amount like 500.00 or "500.00"'


def ambiguous_two(text, low, high):
    return (f'amount "{text}" is ambiguous: it could mean {low} or {high}; confirm which and '
            "send digits with a dot for decimals and no commas")


def ambiguous_one(text, reading):
    return (f'amount "{text}" is ambiguous: send digits with a dot for decimals and no commas '
            f"({reading}, if that is what was meant)")


# Amounts written as text: (text, centavos moved, or None with the exact refusal detail).
AMOUNT_TEXT = [
    ("5", 500, None),
    ("5.5", 550, None),
    ("$7.25", 725, None),
    ("1,000.50", 100050, None),
    ("$1,000.25", 100025, None),
    ("10,50", None, ambiguous_two("10,50", "10.50", "1050.00")),
    ("1,000", None, ambiguous_two("1,000", "1.00", "1000.00")),
    ("1.500", None, ambiguous_two("1.500", "1.50", "1500.00")),
    ("1,5,0,0", None, ambiguous_one("1,5,0,0", "1500.00")),
    ("1.000,50", None, ambiguous_one("1.000,50", "1000.50")),
    ("1,000,000", None, ambiguous_one("1,000,000", "1000000.00")),
    ("12.3456", None, "amount has more than two decimals"),
    ("-5", None, "amount must be written without a sign, like 500.00"),
    (" 5", None, "amount must be written without spaces, like 500.00"),
    ("1e3", None, SHAPE),
    (".5", None, SHAPE),
    ("cinco", None, SHAPE),
]

# Amounts as JSON numbers (the JSON doors): (JSON text, centavos, or None with the detail).
AMOUNT_NUMBER = [
    ("5.25", 525, None),
    ("7", 700, None),
    ("1.000", 100, None),
    ("2.5e1", 2500, None),
    ("0.001", None, "amount has more than two decimals"),
    ("-5", None, "amount must be greater than zero"),
    ("0", None, "amount must be greater than zero"),
    ("1234567890123.456", None,
     "amount has more than 15 significant digits, more than a JSON number carries exactly; "
     "send it as a string"),
]


def fmt(centavos):
    return f"{centavos // 100}.{centavos % 100:02d}"


def transfer_body(amount_json):
    return '{"from_account":"acc-456","to_account":"acc-457","amount":%s}' % amount_json


class AmountsAtEveryDoor(ServerTestCase):
    """Each door returns ("moved", amount answered) or ("refused", problem detail)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bedrock = cls.server.token(service="bedrock", delegate=True)
        cls.data = tempfile.mkdtemp(prefix="centli-input-")
        run_cli("demo", "load", *store_args(cls.data))
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}
        r = cls.server.request("POST", "/mcp", body=init, token=cls.t123)
        assert r.status == 200, r
        cls.session = r.headers["mcp-session-id"]
        cls.rpc_id = 100

    @classmethod
    def tearDownClass(cls):
        remove_data(cls.data)
        super().tearDownClass()

    # ------------------------------------------------------------------ doors

    def rest(self, amount_json, path=TRF, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        r = self.post(path, token=self.t123, key=str(uuid.uuid4()),
                      raw=transfer_body(amount_json), headers=h)
        if r.status == 201:
            return "moved", r.json()["amount"]
        return "refused", self.assertProblem(r, 400, "invalid_request", field="amount")["detail"]

    def agentcore(self, amount_json):
        return self.rest(amount_json, "/v1/agents/agentcore", {"X-Centli-Tool": "t___transfer"})

    def mcp(self, amount_json):
        type(self).rpc_id += 1
        message = ('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"transfer",'
                   '"arguments":%s}}' % (self.rpc_id, transfer_body(amount_json)))
        r = self.post("/mcp", token=self.t123, raw=message, headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
            "Mcp-Session-Id": self.session})
        if r.status == 400:  # JSON that cannot carry the number exactly: a JSON-RPC parse error
            error = r.json()["error"]
            self.assertEqual(error["code"], -32700)
            return "refused", error["message"].removeprefix("Parse error: ")
        self.assertEqual(r.status, 200, r)
        result = r.json()["result"]
        if not result["isError"]:
            return "moved", result["structuredContent"]["amount"]
        problem = json.loads(result["content"][0]["text"])
        self.assertEqual((problem["code"], problem["field"]), ("invalid_request", "amount"))
        return "refused", problem["detail"]

    def bedrock_function(self, text):
        e = function_event("core-banking", "transfer", [
            ("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
            ("amount", "number", text)], inputText=f"manda {text} {uuid.uuid4()}")
        r = self.post("/v1/agents/bedrock", e, token=self.bedrock)
        self.assertEqual(r.status, 200, r)
        answer = r.json()["response"]["functionResponse"]
        body = answer["responseBody"]["TEXT"]["body"]
        if "responseState" not in answer:
            return "moved", json.loads(body)["amount"]
        self.assertEqual(answer["responseState"], "REPROMPT", body)
        self.assertIn("Fix the parameter amount and call transfer again.", body)
        problem = json.loads(body[body.index("Problem: ") + len("Problem: "):])
        self.assertIn(problem["detail"], body)
        return "refused", problem["detail"]

    def bedrock_api(self, text):
        e = api_event("core-banking", TRF, "post", body=[
            ("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
            ("amount", "number", text)], inputText=f"pasa {text} {uuid.uuid4()}")
        r = self.post("/v1/agents/bedrock", e, token=self.bedrock)
        self.assertEqual(r.status, 200, r)
        answer = r.json()["response"]
        body = json.loads(answer["responseBody"]["application/json"]["body"])
        if answer["httpStatusCode"] == 201:
            return "moved", body["amount"]
        self.assertEqual((answer["httpStatusCode"], body["code"], body["field"]),
                         (400, "invalid_request", "amount"))
        self.assertEqual(answer.get("responseState"), "REPROMPT", answer)
        return "refused", body["detail"]

    def call(self, text, remote):
        where = (["--url", f"http://127.0.0.1:{self.server.port}", "--token", self.t123]
                 if remote else ["--user", "user-123", *store_args(self.data)])
        p = run_cli("call", "transfer", *where, "from_account=acc-456", "to_account=acc-457",
                    f"amount={text}", "--json", check=False)
        if p.returncode == 0:
            return "moved", json.loads(p.stdout)["amount"]
        self.assertEqual(p.returncode, 2, p.stderr)
        problem = json.loads(p.stderr)
        self.assertEqual((problem["code"], problem["field"]), ("invalid_request", "amount"))
        return "refused", problem["detail"]

    def balances(self, direct=False):
        if direct:
            p = run_cli("call", "get_balance", "--user", "user-123", *store_args(self.data),
                        "--json")
            accounts = json.loads(p.stdout)["accounts"]
        else:
            accounts = self.get("/v1/core-banking/balance", token=self.t123).json()["accounts"]
        by_id = {a["account_id"]: money(a["posted"]) for a in accounts}
        return by_id["acc-456"], by_id["acc-457"]

    # ------------------------------------------------------------------ the table

    def check_table(self, door, cases, direct=False):
        for text, centavos, detail in cases:
            with self.subTest(amount=text):
                src, dst = self.balances(direct)
                outcome = door(text)
                after_src, after_dst = self.balances(direct)
                if centavos is None:
                    self.assertEqual(outcome, ("refused", detail))
                    self.assertEqual((after_src, after_dst), (src, dst))
                else:
                    self.assertEqual(outcome, ("moved", fmt(centavos)))
                    self.assertEqual((after_src, after_dst), (src - centavos, dst + centavos))

    def test_rest_reads_amount_strings_by_the_one_grammar(self):
        self.check_table(lambda t: self.rest(json.dumps(t)), AMOUNT_TEXT)

    def test_rest_reads_json_number_amounts_exactly(self):
        self.check_table(self.rest, AMOUNT_NUMBER)

    def test_agentcore_reads_amounts_like_rest(self):
        self.check_table(lambda t: self.agentcore(json.dumps(t)), AMOUNT_TEXT)
        self.check_table(self.agentcore, AMOUNT_NUMBER)

    def test_mcp_reads_amounts_like_rest_and_refuses_with_is_error(self):
        self.check_table(lambda t: self.mcp(json.dumps(t)), AMOUNT_TEXT)
        self.check_table(self.mcp, AMOUNT_NUMBER)

    def test_bedrock_function_variant_reprompts_with_the_reason(self):
        self.check_table(self.bedrock_function, AMOUNT_TEXT)

    def test_bedrock_openapi_variant_answers_400_with_the_reason(self):
        self.check_table(self.bedrock_api, AMOUNT_TEXT)

    def test_call_direct_reads_amounts_like_every_door(self):
        self.check_table(lambda t: self.call(t, remote=False), AMOUNT_TEXT, direct=True)

    def test_call_remote_reads_amounts_like_every_door(self):
        self.check_table(lambda t: self.call(t, remote=True), AMOUNT_TEXT)


class InputStrictness(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bedrock = cls.server.token(service="bedrock", delegate=True)

    def posted(self):
        accounts = self.get("/v1/core-banking/balance", token=self.t123).json()["accounts"]
        return {a["account_id"]: a["posted"] for a in accounts}

    def raw_post(self, path, raw, headers=None, token=None):
        h = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        h.update(headers or {})
        return self.post(path, token=token or self.t123, raw=raw, headers=h)

    def mcp_session(self):
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}
        return self.post("/mcp", init, token=self.t123).headers["mcp-session-id"]

    def mcp(self, session, raw):
        return self.post("/mcp", token=self.t123, raw=raw, headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
            "Mcp-Session-Id": session})

    def test_a_wrong_json_type_is_a_400_naming_the_field(self):
        before = self.posted()
        base = {"from_account": "acc-456", "to_account": "acc-457", "amount": "1.00"}
        cases = [  # (body change, field, detail)
            ({"from_account": 1}, "from_account", "from_account must be a string"),
            ({"from_account": True}, "from_account", "from_account must be a string"),
            ({"to_account": {"id": "acc-457"}}, "to_account", "to_account must be a string"),
            ({"to_account": ["acc-457"]}, "to_account", "to_account must be a string"),
            ({"description": 5}, "description", "description must be a string"),
            ({"amount": True}, "amount", NOT_AN_AMOUNT),
            ({"amount": ["5"]}, "amount", NOT_AN_AMOUNT),
            ({"request_id": 12345}, "request_id", "request_id must be a string"),
        ]
        for change, field, detail in cases:
            with self.subTest(change=change):
                r = self.raw_post(TRF, json.dumps({**base, **change}))
                p = self.assertProblem(r, 400, "invalid_request", field=field)
                self.assertEqual(p["detail"], detail)
        benefits = "/v1/marketplace/benefits"
        for raw in ('"2"', "2.5", "true", '"dos"'):
            with self.subTest(quantity=raw):
                r = self.raw_post(benefits, '{"product_id":"prd-coffee","quantity":%s}' % raw)
                p = self.assertProblem(r, 400, "invalid_request", field="quantity")
                self.assertEqual(p["detail"], "quantity must be a whole number like 20")
        for raw in ("2", "2.0"):
            r = self.raw_post(benefits, '{"product_id":"prd-coffee","quantity":%s}' % raw)
            self.assertEqual(r.status, 200, r)
        self.assertProblem(self.get(f"{TXN}?limit=2.5", token=self.t123), 400, "invalid_request",
                           field="limit")
        session = self.mcp_session()
        call = ('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":'
                '"get_transactions","arguments":{"limit":%s}}}')
        refused = self.mcp(session, call % '"2"').json()["result"]
        self.assertTrue(refused["isError"])
        problem = json.loads(refused["content"][0]["text"])
        self.assertEqual((problem["field"], problem["detail"]),
                         ("limit", "limit must be a whole number like 20"))
        self.assertFalse(self.mcp(session, call % "2").json()["result"]["isError"])
        self.assertEqual(self.posted(), before)

    def test_duplicate_keys_are_refused_naming_the_key_at_every_door(self):
        before = self.posted()
        twice = ('{"from_account":"acc-456","to_account":"acc-457","amount":"1.00",'
                 '"amount":"900.00"}')
        detail = 'the key "amount" is given more than once in one object'
        p = self.assertProblem(self.raw_post(TRF, twice), 400, "invalid_request", field="amount")
        self.assertEqual(p["detail"], detail)
        r = self.raw_post("/v1/agents/agentcore", twice, {"X-Centli-Tool": "transfer"})
        self.assertEqual(self.assertProblem(r, 400, "invalid_request", field="amount")["detail"],
                         detail)
        # The person acted for, given twice: one parser could pick user-123, another user-456.
        event = json.dumps(function_event("core-banking", "get_balance"))
        event = event.replace('"sessionAttributes": {"user_id": "user-123"',
                              '"sessionAttributes": {"user_id": "user-456", "user_id": "user-123"')
        self.assertIn('"user_id": "user-456", "user_id"', event)
        r = self.raw_post("/v1/agents/bedrock", event, token=self.bedrock)
        p = self.assertProblem(r, 400, "invalid_request", field="user_id")
        self.assertEqual(p["detail"], 'the key "user_id" is given more than once in one object')
        session = self.mcp_session()
        message = ('{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"transfer",'
                   '"arguments":%s}}' % twice)
        r = self.mcp(session, message)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], {"code": -32700, "message": "Parse error: " + detail})
        self.assertEqual(self.posted(), before)

    def test_dates_must_be_days_of_the_calendar(self):
        for name, day in (("from", "2026-02-30"), ("to", "2026-02-31"), ("from", "2025-02-29"),
                          ("to", "2026-04-31T10:00:00Z")):
            with self.subTest(day=day):
                r = self.get(f"{TXN}?{name}={day}", token=self.t123)
                p = self.assertProblem(r, 400, "invalid_request", field=name)
                self.assertEqual(p["detail"], f"{name} must be a calendar date like 2026-02-17 "
                                              "or 2026-02-17T10:30:00Z")
        self.assertEqual(self.get(f"{TXN}?from=2024-02-29&to=2026-02-28", token=self.t123).status,
                         200)
        e = function_event("core-banking", "get_transactions", [("from", "string", "2026-02-30")])
        answer = self.post("/v1/agents/bedrock", e, token=self.bedrock).json()["response"]
        self.assertEqual(answer["functionResponse"]["responseState"], "REPROMPT")
        self.assertIn("Fix the parameter from", answer["functionResponse"]["responseBody"]["TEXT"]
                      ["body"])

    def test_hidden_bidi_controls_are_refused_in_free_text(self):
        before = self.posted()
        base = {"from_account": "acc-456", "to_account": "acc-457", "amount": "1.00"}
        for cp in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
                   0x200E, 0x200F, 0x061C, 0x0085):
            with self.subTest(code_point=hex(cp)):
                r = self.raw_post(TRF, json.dumps({**base, "description": f"renta {chr(cp)}005$"}))
                p = self.assertProblem(r, 400, "invalid_request", field="description")
                self.assertEqual(p["detail"], f"description contains the control character "
                                              f"U+{cp:04X}, which could hide or reorder what "
                                              "others read; send plain text")
        self.assertEqual(self.posted(), before)
        book = self.get("/v1/crm/beneficiaries?limit=100", token=self.t123).json()["beneficiaries"]
        for field in ("alias", "name"):
            person = {"alias": "Primo Beto", "name": "Alberto Ruiz", "account_id": "acc-999"}
            person[field] = "\u2067" + person[field]
            r = self.raw_post("/v1/crm/beneficiaries", json.dumps(person))
            p = self.assertProblem(r, 400, "invalid_request", field=field)
            self.assertIn("U+2067", p["detail"])
        after = self.get("/v1/crm/beneficiaries?limit=100", token=self.t123).json()["beneficiaries"]
        self.assertEqual(after, book)
        e = function_event("core-banking", "transfer", [
            ("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
            ("amount", "number", "1.00"), ("description", "string", "pago \u202e005$")])
        answer = self.post("/v1/agents/bedrock", e, token=self.bedrock).json()["response"]
        self.assertEqual(answer["functionResponse"]["responseState"], "REPROMPT")
        self.assertEqual(self.posted(), before)
        r = self.raw_post(TRF, json.dumps({**base, "description": "Renta de marzo — mamá ñ"}))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["description"], "Renta de marzo — mamá ñ")


if __name__ == "__main__":
    unittest.main()
