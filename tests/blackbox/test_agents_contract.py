"""Promises of the agent doors (docs/agents.md) that the kept mutants 01-09 in tests/mutants
break: JSON-RPC error codes over MCP Streamable HTTP and stdio (-32601, -32600, -32700, lines
over the limit), a session ended by `DELETE /mcp`, the derived idempotency keys of MCP and
Bedrock scoped to their session, Bedrock's `locale` and its 25,000-byte answer limit, and
AgentCore commands that move money refused without a key."""

import json
import subprocess
import tempfile
import unittest
import uuid

from harness import BIN, ServerTestCase, money, remove_data, run_cli, store_args
from test_agents import MCP_INIT, api_event, function_event

ACCEPT = {"Accept": "application/json, text/event-stream"}
TRF = "/v1/core-banking/transfer"
# limits::kMcpLineBytesMax: the longest stdio line answered.
LINE_BYTES_MAX = 64 * 1024
# limits::kBedrockResponseBodyBytesMax: Bedrock's limit on a function's answer.
BEDROCK_BODY_BYTES_MAX = 25_000
TOOL_TIMEOUT_S = 30
PING = {"jsonrpc": "2.0", "id": 99, "method": "ping"}

# JSON that parses but is no JSON-RPC 2.0 message, and the id its -32600 error answers with
# (the request's own when it is a string or an integer, else null).
NOT_JSON_RPC = [
    ({"id": 1, "method": "ping"}, 1),                          # jsonrpc missing
    ({"jsonrpc": "1.0", "id": 2, "method": "ping"}, 2),        # jsonrpc not "2.0"
    ({"jsonrpc": 2.0, "id": 3, "method": "ping"}, 3),          # jsonrpc not a string
    ({"jsonrpc": "2.0", "id": 4, "method": 7}, 4),             # method not a string
    ({"jsonrpc": "2.0", "id": "five", "method": None}, "five"),
    ({"jsonrpc": "2.0", "id": {"n": 6}, "method": "ping"}, None),  # id an object
    ({"jsonrpc": "2.0", "id": 6.5, "method": "ping"}, None),   # id not an integer
    ({"jsonrpc": "2.0", "id": None, "method": "ping"}, None),  # a request's id is never null
    ({"jsonrpc": "2.0", "id": 7}, 7),                          # no method, result or error
    ([{"jsonrpc": "2.0", "id": 8, "method": "ping"}], None),   # a batch
    ("ping", None),                                            # not an object
]


class AgentContract(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bedrock = cls.server.token(service="bedrock", delegate=True)
        cls.data = tempfile.mkdtemp(prefix="centli-stdio-")
        run_cli("demo", "load", *store_args(cls.data))

    @classmethod
    def tearDownClass(cls):
        remove_data(cls.data)
        super().tearDownClass()

    # ------------------------------------------------------------------ helpers

    def posted(self, account_id="acc-456"):
        r = self.get(f"/v1/core-banking/balance?account_id={account_id}", token=self.t123)
        self.assertEqual(r.status, 200, r)
        return money(r.json()["accounts"][0]["posted"])

    def mcp(self, message, session=None, token=None, raw=None):
        headers = dict(ACCEPT)
        if session:
            headers["Mcp-Session-Id"] = session
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return self.post("/mcp", token=token or self.t123, raw=raw, headers=headers)
        return self.post("/mcp", message, token=token or self.t123, headers=headers)

    def session(self, token=None):
        r = self.mcp(MCP_INIT, token=token)
        self.assertEqual(r.status, 200, r)
        return r.headers["mcp-session-id"]

    def ping(self, session, token=None):
        return self.mcp(PING, session=session, token=token)

    def delete(self, session, token=None):
        headers = {"Mcp-Session-Id": session} if session else {}
        return self.server.request("DELETE", "/mcp", token=token or self.t123, headers=headers)

    def tool_call(self, session, rpc_id, name, arguments):
        r = self.mcp({"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call",
                      "params": {"name": name, "arguments": arguments}}, session=session)
        self.assertEqual(r.status, 200, r)
        return r.json()["result"]

    def stdio(self, lines, *how):
        """Runs `centli mcp` in-process on the demo data (or with the given arguments, e.g.
        --url), one line per message; returns the answers in order."""
        args = list(how) or [*store_args(self.data), "--user", "user-123"]
        p = subprocess.run([BIN, "mcp", *args], input="".join(line + "\n" for line in lines),
                           capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(line) for line in p.stdout.splitlines()]

    def stdio_doors(self):
        url = f"http://127.0.0.1:{self.server.port}"
        return {"in-process": (), "relayed": ("--url", url, "--token", self.t123)}

    def bedrock_call(self, event):
        r = self.post("/v1/agents/bedrock", event, token=self.bedrock)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def function_answer(self, event):
        fr = self.bedrock_call(event)["response"]["functionResponse"]
        return fr.get("responseState"), fr["responseBody"]["TEXT"]["body"]

    # ------------------------------------------------------------------ MCP error codes

    def test_an_unknown_method_is_32601_over_http_and_stdio(self):
        sid = self.session()
        for rpc_id, method in ((11, "resources/list"), (12, "prompts/get"), (13, "tools/delete")):
            with self.subTest(method=method):
                r = self.mcp({"jsonrpc": "2.0", "id": rpc_id, "method": method}, session=sid)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["id"], rpc_id)
                self.assertEqual(r.json()["error"]["code"], -32601, r)
        lines = [json.dumps(MCP_INIT), json.dumps({"jsonrpc": "2.0", "id": 2,
                                                   "method": "resources/list"})]
        for door, how in self.stdio_doors().items():
            with self.subTest(door=door):
                out = self.stdio(lines, *how)
                self.assertEqual(out[1]["id"], 2)
                self.assertEqual(out[1]["error"]["code"], -32601, out)

    def test_json_that_is_no_json_rpc_message_is_32600_with_http_400(self):
        sid = self.session()
        for message, answer_id in NOT_JSON_RPC:
            with self.subTest(message=message):
                r = self.mcp(message, session=sid)
                self.assertEqual(r.status, 400, r)
                answer = r.json()
                self.assertEqual((answer["jsonrpc"], answer["id"]), ("2.0", answer_id))
                self.assertEqual(answer["error"]["code"], -32600, answer)
                self.assertTrue(answer["error"]["message"].startswith("Invalid Request: "))
        # What is well formed still passes: a notification and a response take 202.
        for message in ({"jsonrpc": "2.0", "method": "notifications/initialized"},
                        {"jsonrpc": "2.0", "id": 5, "result": {}},
                        {"jsonrpc": "2.0", "id": None, "error": {"code": 1, "message": "x"}}):
            with self.subTest(accepted=message):
                self.assertEqual(self.mcp(message, session=sid).status, 202)
        self.assertEqual(self.ping(sid).json()["result"], {})

    def test_json_that_is_no_json_rpc_message_is_32600_over_stdio(self):
        lines = [json.dumps(m) for m, _ in NOT_JSON_RPC] + [json.dumps(PING)]
        for door, how in self.stdio_doors().items():
            with self.subTest(door=door):
                out = self.stdio(lines, *how)
                self.assertEqual(len(out), len(NOT_JSON_RPC) + 1, out)
                for answer, (_, answer_id) in zip(out, NOT_JSON_RPC):
                    self.assertEqual(answer["id"], answer_id, answer)
                    self.assertEqual(answer["error"]["code"], -32600, answer)
                self.assertEqual((out[-1]["id"], out[-1]["result"]), (99, {}))

    def test_text_that_is_no_json_is_32700_over_http_and_stdio(self):
        sid = self.session()
        bad = ['{"jsonrpc": "2.0", "id": 1, "method": "ping"', "ping", '{"id": 1, "id": 2}']
        for text in bad:
            with self.subTest(http=text):
                r = self.mcp(None, session=sid, raw=text)
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.json()["id"], None)
                self.assertEqual(r.json()["error"]["code"], -32700, r)
                self.assertTrue(r.json()["error"]["message"].startswith("Parse error: "))
        for door, how in self.stdio_doors().items():
            with self.subTest(door=door):
                out = self.stdio(bad + [json.dumps(PING)], *how)
                self.assertEqual([a.get("error", {}).get("code") for a in out],
                                 [-32700, -32700, -32700, None], out)
                self.assertEqual(out[-1]["result"], {})
                self.assertIn('the key "id" is given more than once', out[2]["error"]["message"])

    def test_a_stdio_line_over_the_limit_is_32600_and_the_next_line_is_answered(self):
        head = '{"jsonrpc":"2.0","id":%d,"method":"ping"'
        at_limit = head % 1 + " " * (LINE_BYTES_MAX - len(head % 1) - 1) + "}"
        over = head % 2 + " " * (LINE_BYTES_MAX - len(head % 2)) + "}"
        self.assertEqual((len(at_limit), len(over)), (LINE_BYTES_MAX, LINE_BYTES_MAX + 1))
        for door, how in self.stdio_doors().items():
            with self.subTest(door=door):
                out = self.stdio([at_limit, over, json.dumps(PING)], *how)
                self.assertEqual(len(out), 3, out)
                self.assertEqual((out[0]["id"], out[0]["result"]), (1, {}))
                self.assertEqual(out[1]["id"], None)
                self.assertEqual(out[1]["error"]["code"], -32600, out[1])
                self.assertEqual((out[2]["id"], out[2]["result"]), (99, {}))

    # ------------------------------------------------------------------ MCP sessions and keys

    def test_delete_ends_the_session_and_its_id_then_answers_404(self):
        sid = self.session()
        self.assertEqual(self.ping(sid).status, 200)
        # Another caller cannot end it.
        self.assertProblem(self.delete(sid, token=self.t456), 404, "not_found")
        self.assertEqual(self.ping(sid).json()["result"], {})
        r = self.delete(sid)
        self.assertEqual(r.status, 200, r)
        self.assertProblem(self.ping(sid), 404, "not_found")
        self.assertProblem(self.delete(sid), 404, "not_found")
        self.assertProblem(self.delete(None), 404, "not_found")
        self.assertEqual(self.ping(self.session()).json()["result"], {})

    def test_two_sessions_each_sending_jsonrpc_id_1_for_a_transfer_make_two_payments(self):
        args = {"from_account": "acc-456", "to_account": "acc-457", "amount": "11.00"}
        before = self.posted()
        first, second = self.session(), self.session()
        a = self.tool_call(first, 1, "transfer", args)
        b = self.tool_call(second, 1, "transfer", args)
        self.assertEqual([a["isError"], b["isError"]], [False, False], (a, b))
        self.assertNotEqual(a["structuredContent"]["transfer_id"],
                            b["structuredContent"]["transfer_id"])
        self.assertEqual(self.posted(), before - 2 * 1100)
        # The same message resent in the first session is the first payment's answer again.
        again = self.tool_call(first, 1, "transfer", args)
        self.assertEqual(again["structuredContent"], a["structuredContent"])
        self.assertEqual(self.posted(), before - 2 * 1100)

    # ------------------------------------------------------------------ Bedrock

    def test_the_same_turn_in_two_bedrock_sessions_pays_twice_and_a_retry_once(self):
        params = [("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
                  ("amount", "number", "13.00")]
        before = self.posted()
        one = function_event("core-banking", "transfer", params, inputText="manda trece pesos",
                             sessionId="sess-contract-a")
        two = dict(one, sessionId="sess-contract-b")
        answers = [self.function_answer(e) for e in (one, two)]
        self.assertEqual([state for state, _ in answers], [None, None], answers)
        ids = [json.loads(body)["transfer_id"] for _, body in answers]
        self.assertNotEqual(ids[0], ids[1])
        self.assertEqual(self.posted(), before - 2 * 1300)
        state, body = self.function_answer(one)  # Bedrock retrying the first session's turn
        self.assertEqual((state, json.loads(body)["transfer_id"]), (None, ids[0]))
        self.assertEqual(self.posted(), before - 2 * 1300)

    def test_bedrock_locale_en_gives_english_summaries_and_anything_else_spanish(self):
        def rest_summary(language):
            r = self.get("/v1/core-banking/balance?account_id=acc-457", token=self.t123,
                         headers={"Accept-Language": language})
            return r.json()["summary"]

        english, spanish = rest_summary("en-US"), rest_summary("es-MX")
        self.assertNotEqual(english, spanish)
        for locale, summary in (("en-US", english), ("en", english), ("es-MX", spanish),
                                ("fr-FR", spanish), (None, spanish)):
            with self.subTest(locale=locale):
                attributes = {"user_id": "user-123"}
                if locale:
                    attributes["locale"] = locale
                for event in (function_event("core-banking", "get_balance",
                                             [("account_id", "string", "acc-457")],
                                             sessionAttributes=attributes),
                              api_event("core-banking", "/v1/core-banking/balance", "get",
                                        [("account_id", "string", "acc-457")],
                                        sessionAttributes=attributes)):
                    env = self.bedrock_call(event)
                    self.assertEqual(env["sessionAttributes"], attributes)
                    r = env["response"]
                    body = (r["functionResponse"]["responseBody"]["TEXT"]["body"]
                            if "function" in event
                            else r["responseBody"]["application/json"]["body"])
                    self.assertEqual(json.loads(body)["summary"], summary)

    def test_a_bedrock_answer_over_25000_bytes_reprompts_for_a_smaller_page(self):
        # Rows large enough that 100 of them pass the limit: descriptions of 140 characters.
        description = ("Abono de prueba para una página de movimientos larga " * 3)[:140]
        for _ in range(100):
            r = self.post(TRF, {"from_account": "acc-458", "to_account": "acc-457",
                                "amount": "0.01", "description": description},
                          token=self.t123, key=str(uuid.uuid4()))
            self.assertEqual(r.status, 201, r)
        page = "/v1/core-banking/transactions?account_id=acc-457&limit=100"
        r = self.get(page, token=self.t123)
        self.assertEqual(r.status, 200, r)
        self.assertGreater(len(r.body), BEDROCK_BODY_BYTES_MAX)
        params = [("account_id", "string", "acc-457"), ("limit", "integer", "100")]
        state, text = self.function_answer(
            function_event("core-banking", "get_transactions", params))
        self.assertEqual(state, "REPROMPT", text[:300])
        self.assertIn("Fix the parameter limit and call get_transactions again.", text)
        self.assertLessEqual(len(text.encode()), BEDROCK_BODY_BYTES_MAX)
        env = self.bedrock_call(api_event("core-banking", "/v1/core-banking/transactions", "get",
                                          params))
        self.assertEqual(env["response"]["httpStatusCode"], 400)
        self.assertEqual(env["response"]["responseState"], "REPROMPT")
        problem = json.loads(env["response"]["responseBody"]["application/json"]["body"])
        self.assertEqual((problem["code"], problem["field"]), ("invalid_request", "limit"))
        # A smaller page of the same rows is answered whole.
        small = [("account_id", "string", "acc-457"), ("limit", "integer", "20")]
        state, text = self.function_answer(
            function_event("core-banking", "get_transactions", small))
        self.assertIsNone(state, text[:300])
        self.assertEqual(len(json.loads(text)["transactions"]), 20)

    # ------------------------------------------------------------------ AgentCore

    def agentcore(self, tool, body, key=None):
        return self.post("/v1/agents/agentcore", body, token=self.t123, key=key,
                         headers={"X-Centli-Tool": "centli___" + tool})

    def test_agentcore_commands_that_move_money_or_stock_need_a_key(self):
        move = {"from_account": "acc-456", "to_account": "acc-457", "amount": "17.00"}
        buy = {"product_id": "prd-rice", "quantity": 1, "account_id": "acc-456",
               "option_id": "full:acc-456"}
        before = self.posted()
        for tool, body in (("transfer", move), ("purchase", buy)):
            with self.subTest(tool=tool):
                self.assertProblem(self.agentcore(tool, body), 400, "idempotency_key_required")
        self.assertEqual(self.posted(), before)
        key = str(uuid.uuid4())
        first = self.agentcore("transfer", move, key=key)
        self.assertEqual(first.status, 201, first)
        self.assertEqual(self.agentcore("transfer", move, key=key).body, first.body)
        with_id = self.agentcore("transfer", dict(move, request_id=str(uuid.uuid4())))
        self.assertEqual(with_id.status, 201, with_id)
        self.assertEqual(self.posted(), before - 2 * 1700)
        # Adding a beneficiary moves nothing: a key is accepted, not required (docs/crm.md).
        added = self.agentcore("add_beneficiary", {"alias": "Primo Contrato", "name": "Primo",
                                                   "account_id": "acc-999"})
        self.assertEqual(added.status, 201, added)


if __name__ == "__main__":
    unittest.main()
