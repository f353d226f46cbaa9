"""Agent front doors: OpenAPI documents, Bedrock Agents events (both variants) for every action
the server publishes, AgentCore Gateway, MCP over Streamable HTTP and stdio, and `centli call`."""

import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import BIN, ServerTestCase, money, remove_data, run_cli, store_args

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A good call of every published operation, as Bedrock sends it (text values). `{v}` is the
# variant ("Api" or "Funcion"), `{amount}` its transfer's amount, `{purchase_id}` the purchase it
# made. Reads are checked against the REST answer to the same call, commands by their answer
# and their effect; an action added later fails the every-action tests until it has a row.
GOOD_CALLS = {
    "get_balance": {"account_id": "acc-456"},
    "get_transactions": {"account_id": "acc-456", "limit": "5"},
    "transfer": {"from_account": "acc-456", "to_account": "acc-457", "amount": "{amount}",
                 "description": "bedrock {v}"},
    "resolve_alias": {"alias": "mama"},
    "get_beneficiaries": {"limit": "3"},
    "add_beneficiary": {"alias": "Primo {v}", "name": "Primo Bedrock", "account_id": "acc-999"},
    "get_catalog": {"q": "chichen"},
    "calculate_benefits": {"product_id": "prd-rice", "quantity": "2", "account_id": "acc-456"},
    "purchase": {"product_id": "prd-rice", "quantity": "1", "account_id": "acc-456",
                 "option_id": "full:acc-456"},
    "get_purchase": {"purchase_id": "{purchase_id}"},
    "get_purchases": {"limit": "5"},
}
# MCP ToolAnnotations per tool: (readOnlyHint, destructiveHint, idempotentHint, openWorldHint).
READ = (True, False, True, False)
HINTS = {"get_balance": READ, "get_transactions": READ, "get_catalog": READ,
         "calculate_benefits": READ, "get_purchase": READ, "get_purchases": READ,
         "resolve_alias": READ, "get_beneficiaries": READ,
         # moves money out for good, possibly to another bank; each call moves it again
         "transfer": (False, True, False, True),
         # charges the account and takes stock; each call buys again
         "purchase": (False, True, False, False),
         # only adds, and the same arguments again are refused as a duplicate alias
         "add_beneficiary": (False, False, True, False)}
MCP_INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "1"}}}


def groups():
    p = run_cli("openapi", check=False)
    m = re.search(r"one of: ([^)]*)\)", p.stderr)
    assert m, p.stderr
    return [g.strip() for g in m.group(1).split(",")]


def documents():
    return {g: json.loads(run_cli("openapi", "--group", g).stdout) for g in groups()}


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def walk(node):
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def api_event(group, path, method, params=(), body=(), user="user-123", **extra):
    e = {"messageVersion": "1.0",
         "agent": {"name": "centli-agent", "id": "AGENT1", "alias": "TSTALIAS", "version": "1"},
         "inputText": "revisa mi saldo", "sessionId": "sess-1", "actionGroup": group,
         "apiPath": path, "httpMethod": method.upper(),
         "parameters": [{"name": n, "type": t, "value": v} for n, t, v in params],
         "sessionAttributes": {"user_id": user} if user else {},
         "promptSessionAttributes": {"turn": "1"}}
    if body:
        e["requestBody"] = {"content": {"application/json": {
            "properties": [{"name": n, "type": t, "value": v} for n, t, v in body]}}}
    e.update(extra)
    return e


def function_event(group, function, params=(), user="user-123", **extra):
    e = {"messageVersion": "1.0",
         "agent": {"name": "centli-agent", "id": "AGENT1", "alias": "TSTALIAS", "version": "1"},
         "inputText": "transfiere cien pesos", "sessionId": "sess-2", "actionGroup": group,
         "function": function,
         "parameters": [{"name": n, "type": t, "value": v} for n, t, v in params],
         "sessionAttributes": {"user_id": user, "channel": "voice"} if user else {},
         "promptSessionAttributes": {"turn": "2"}}
    e.update(extra)
    return e


class OpenApiDocuments(unittest.TestCase):
    def test_every_group_document_meets_the_bedrock_constraints(self):
        docs = documents()
        self.assertIn("core-banking", docs)
        for group, doc in docs.items():
            with self.subTest(group=group):
                self.assertEqual(doc["openapi"], "3.0.0")
                ops = list(operations(doc))
                self.assertTrue(1 <= len(ops) <= 11)
                for path, method, op in ops:
                    self.assertRegex(op["operationId"], NAME_RE)
                    self.assertTrue(op.get("description"), op["operationId"])
                    if method == "get":
                        self.assertNotIn("requestBody", op)
                    for p in op.get("parameters", []):
                        self.assertTrue(p.get("description"), (op["operationId"], p["name"]))
                    if "requestBody" in op:
                        self.assertEqual(list(op["requestBody"]["content"]), ["application/json"])
                        props = op["requestBody"]["content"]["application/json"]["schema"]["properties"]
                        for name, schema in props.items():
                            self.assertTrue(schema.get("description"), name)
                    for status, r in op["responses"].items():
                        media = "application/json" if int(status) < 400 else \
                            "application/problem+json"
                        self.assertEqual(list(r["content"]), [media], (status, r))
                for node in walk(doc):
                    if isinstance(node, dict):
                        for banned in ("enum", "oneOf", "anyOf", "allOf"):
                            self.assertNotIn(banned, node, group)

    def test_unknown_group_exits_with_usage_code(self):
        self.assertEqual(run_cli("openapi", "--group", "nope", check=False).returncode, 2)


class AgentDoors(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bedrock = cls.server.token(service="bedrock", delegate=True)
        cls.reader = cls.server.token(service="reporting", scopes=["banking:read"], delegate=True)
        cls.docs = documents()

    def call_bedrock(self, event, token=None):
        r = self.post("/v1/agents/bedrock", event, token=token or self.bedrock)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def assertApiEnvelope(self, env, event):
        self.assertEqual(env["messageVersion"], "1.0")
        resp = env["response"]
        for k in ("actionGroup", "apiPath", "httpMethod"):
            self.assertEqual(resp[k], event[k])
        self.assertIsInstance(resp["httpStatusCode"], int)
        body = json.loads(resp["responseBody"]["application/json"]["body"])
        self.assertEqual(env["sessionAttributes"], event["sessionAttributes"])
        self.assertEqual(env["promptSessionAttributes"], event["promptSessionAttributes"])
        return resp["httpStatusCode"], body

    def assertFunctionEnvelope(self, env, event):
        self.assertEqual(env["messageVersion"], "1.0")
        resp = env["response"]
        self.assertEqual(resp["actionGroup"], event["actionGroup"])
        self.assertEqual(resp["function"], event["function"])
        fr = resp["functionResponse"]
        self.assertIn(fr.get("responseState", "OK"), ("OK", "FAILURE", "REPROMPT"))
        self.assertIsInstance(fr["responseBody"]["TEXT"]["body"], str)
        self.assertEqual(env["sessionAttributes"], event["sessionAttributes"])
        self.assertEqual(env["promptSessionAttributes"], event["promptSessionAttributes"])
        return fr.get("responseState"), fr["responseBody"]["TEXT"]["body"]

    def rest_read(self, path, method, op, inputs):
        """The REST answer to the read `op` with Bedrock's text `inputs`, typed by the document."""
        query = {}
        for p in op.get("parameters", []):
            if p["name"] not in inputs:
                continue
            if p["in"] == "path":
                path = path.replace("{" + p["name"] + "}", inputs[p["name"]])
            else:
                query[p["name"]] = inputs[p["name"]]
        if method == "get":
            return self.get(path + ("?" + urllib.parse.urlencode(query) if query else ""),
                            token=self.t123)
        props = op["requestBody"]["content"]["application/json"]["schema"]["properties"]
        body = {n: int(v) if props[n].get("type") == "integer" else v
                for n, v in inputs.items() if n in props}
        return self.post(path, body, token=self.t123)

    def api_call(self, group, path, method, op, inputs):
        """The operation through the OpenAPI variant: (httpStatusCode, answer as JSON)."""
        params = [(p["name"], p["schema"].get("type", "string"), inputs[p["name"]])
                  for p in op.get("parameters", []) if p["name"] in inputs]
        body = []
        if "requestBody" in op:
            props = op["requestBody"]["content"]["application/json"]["schema"]["properties"]
            body = [(n, props[n].get("type", "string"), v) for n, v in inputs.items()
                    if n in props]
        event = api_event(group, path, method, params, body,
                          inputText=f"{op['operationId']} por la API")
        env = self.call_bedrock(event)
        status, answer = self.assertApiEnvelope(env, event)
        self.assertNotIn("responseState", env["response"], answer)
        return status, answer

    def function_call(self, group, path, method, op, inputs):
        """The operation through the function-details variant: (None, answer as JSON)."""
        event = function_event(group, op["operationId"], [(n, "string", v)
                                                          for n, v in inputs.items()],
                               inputText=f"{op['operationId']} por función")
        state, text = self.assertFunctionEnvelope(self.call_bedrock(event), event)
        self.assertIsNone(state, text)
        return None, json.loads(text)

    def check_command(self, name, status, answer, inputs, before):
        """A command's answer is what it did, and its effect is in the bank."""
        self.assertNotIn("code", answer, f"{name} was refused")
        if name == "transfer":
            self.assertIn(status, (None, 201))
            self.assertEqual({k: answer[k] for k in ("status", "from_account", "to_account",
                                                     "amount", "currency", "description")},
                             {"status": "COMPLETED", "from_account": "acc-456",
                              "to_account": "acc-457", "amount": inputs["amount"],
                              "currency": "MXN", "description": inputs["description"]})
            self.assertEqual(self.posted("acc-456", self.t123), before - money(inputs["amount"]))
            rows = self.get("/v1/core-banking/transactions?account_id=acc-456&limit=1",
                            token=self.t123).json()["transactions"]
            self.assertEqual((rows[0]["transfer_id"], rows[0]["direction"]),
                             (answer["transfer_id"], "debit"))
        elif name == "purchase":
            self.assertIn(status, (None, 201))
            self.assertEqual({k: answer[k] for k in ("status", "product_id", "quantity",
                                                     "account_id", "total")},
                             {"status": "CONFIRMED", "product_id": "prd-rice", "quantity": 1,
                              "account_id": "acc-456", "total": "45.90"})
            self.assertEqual(self.posted("acc-456", self.t123), before - 4590)
            stored = self.get("/v1/marketplace/purchases/" + answer["purchase_id"],
                              token=self.t123)
            self.assertEqual(stored.json()["status"], "CONFIRMED")
        elif name == "add_beneficiary":
            self.assertIn(status, (None, 201))
            self.assertEqual((answer["alias"], answer["name"], answer["destination"]["last4"]),
                             (inputs["alias"], "Primo Bedrock", "0999"))
            book = self.get("/v1/crm/beneficiaries?limit=100", token=self.t123).json()
            self.assertIn(answer["beneficiary_id"],
                          [b["beneficiary_id"] for b in book["beneficiaries"]])
        else:
            self.fail(f"no check for the command {name}: add one to check_command")

    def every_action(self, variant, call):
        context = {"v": variant, "amount": {"Api": "7.25", "Funcion": "8.50"}[variant],
                   "purchase_id": None}
        ops = [(group, path, method, op) for group, doc in self.docs.items()
               for path, method, op in operations(doc)]
        # Commands first, so that get_purchase reads the purchase just made.
        ops.sort(key=lambda o: not self.is_command(o[3]))
        self.assertEqual({o[3]["operationId"] for o in ops} - set(GOOD_CALLS), set(),
                         "operations without a row in GOOD_CALLS")
        for group, path, method, op in ops:
            name = op["operationId"]
            with self.subTest(op=name):
                inputs = {k: v.format(**context) for k, v in GOOD_CALLS[name].items()}
                before = self.posted("acc-456", self.t123)
                status, answer = call(group, path, method, op, inputs)
                if name == "purchase":
                    context["purchase_id"] = answer.get("purchase_id")
                if self.is_command(op):
                    self.check_command(name, status, answer, inputs, before)
                    continue
                rest = self.rest_read(path, method, op, inputs)
                self.assertEqual(rest.status, 200, rest)
                self.assertIn(status, (None, 200))
                self.assertEqual(answer, rest.json())
                self.assertIn("summary", answer)

    @staticmethod
    def is_command(op):
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        return "request_id" in schema.get("schema", {}).get("properties", {})

    def test_every_action_answers_an_api_event_as_rest_does(self):
        self.every_action("Api", self.api_call)

    def test_every_action_answers_a_function_event_as_rest_does(self):
        self.every_action("Funcion", self.function_call)

    def test_balance_through_the_api_variant_names_the_last_four_digits(self):
        event = api_event("core-banking", "/v1/core-banking/balance", "get",
                          [("account_id", "string", "acc-456")])
        status, body = self.assertApiEnvelope(self.call_bedrock(event), event)
        self.assertEqual(status, 200)
        self.assertIn("0456", body["summary"])

    def test_transfer_through_the_api_variant_with_a_request_body(self):
        event = api_event("core-banking", "/v1/core-banking/transfer", "post", body=[
            ("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
            ("amount", "number", "$1,000.50")], inputText="pasa mil pesos a ahorro")
        status, body = self.assertApiEnvelope(self.call_bedrock(event), event)
        self.assertIn(status, (200, 201), body)
        self.assertEqual(body["amount"], "1000.50")

    def test_a_retried_turn_does_not_pay_twice_but_a_new_utterance_does(self):
        params = [("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
                  ("amount", "number", "3.00")]
        e1 = function_event("core-banking", "transfer", params, inputText="manda tres pesos",
                            sessionId="sess-retry")
        first = json.loads(self.assertFunctionEnvelope(self.call_bedrock(e1), e1)[1])
        again = json.loads(self.assertFunctionEnvelope(self.call_bedrock(e1), e1)[1])
        self.assertEqual(first["transfer_id"], again["transfer_id"])
        e2 = dict(e1, inputText="otra vez manda tres pesos")
        other = json.loads(self.assertFunctionEnvelope(self.call_bedrock(e2), e2)[1])
        self.assertNotEqual(first["transfer_id"], other["transfer_id"])

    def test_request_id_is_the_idempotency_key(self):
        params = [("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
                  ("amount", "number", "2.00"), ("request_id", "string", "rid-agents-1")]
        e1 = function_event("core-banking", "transfer", params, inputText="a")
        e2 = function_event("core-banking", "transfer", params, inputText="b", sessionId="z")
        t1 = json.loads(self.assertFunctionEnvelope(self.call_bedrock(e1), e1)[1])
        t2 = json.loads(self.assertFunctionEnvelope(self.call_bedrock(e2), e2)[1])
        self.assertEqual(t1["transfer_id"], t2["transfer_id"])

    def test_coercion_edge_cases(self):
        cases = [  # (type, value, accepted)
            ("integer", "5", True), ("integer", " 5 ", True), ("integer", "5.0", True),
            ("integer", "+3", True), ("integer", "5.5", False), ("integer", "cinco", False),
            ("integer", "", False), ("integer", "1e3", False),
        ]
        for typ, value, ok in cases:
            with self.subTest(value=value):
                e = function_event("core-banking", "get_transactions", [("limit", typ, value)])
                state, text = self.assertFunctionEnvelope(self.call_bedrock(e), e)
                self.assertEqual(state is None, ok, text)
        for value, ok in [("1,500.00", True), ("$20", True), ("20.", False), ("abc", False),
                          ("12.345", False)]:
            with self.subTest(amount=value):
                e = function_event("core-banking", "transfer", [
                    ("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
                    ("amount", "number", value)], inputText="coercion " + value)
                state, text = self.assertFunctionEnvelope(self.call_bedrock(e), e)
                self.assertEqual(state is None, ok, text)

    def test_array_values_are_coerced_and_unknown_ones_reprompt_naming_the_field(self):
        for value in ('["a","b"]', "[a, b]"):
            e = function_event("core-banking", "get_balance", [("tags", "array", value)])
            state, text = self.assertFunctionEnvelope(self.call_bedrock(e), e)
            self.assertEqual(state, "REPROMPT")
            self.assertIn("tags", text)

    def test_invalid_input_gives_reprompt_with_an_actionable_message(self):
        e = function_event("core-banking", "transfer", [("from_account", "string", "acc-456")])
        state, text = self.assertFunctionEnvelope(self.call_bedrock(e), e)
        self.assertEqual(state, "REPROMPT")
        self.assertIn("transfer", text)

    def test_a_business_refusal_is_a_normal_answer_with_the_problem(self):
        e = function_event("core-banking", "transfer", [
            ("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
            ("amount", "number", "99999999.00")])
        state, text = self.assertFunctionEnvelope(self.call_bedrock(e), e)
        self.assertIsNone(state)
        self.assertEqual(json.loads(text)["code"], "amount_limit_exceeded")

    def test_the_person_comes_from_session_attributes_only(self):
        e = function_event("core-banking", "get_balance", [("user_id", "string", "user-456")])
        state, _ = self.assertFunctionEnvelope(self.call_bedrock(e), e)
        self.assertEqual(state, "REPROMPT")
        e = function_event("core-banking", "get_balance", user=None)
        state, _ = self.assertFunctionEnvelope(self.call_bedrock(e), e)
        self.assertEqual(state, "FAILURE")
        e = function_event("core-banking", "get_balance", user="user-456")
        state, text = self.assertFunctionEnvelope(self.call_bedrock(e), e)
        self.assertIsNone(state)
        self.assertIn("0789", text)

    def test_bedrock_needs_a_delegated_service_token(self):
        e = function_event("core-banking", "get_balance")
        state, _ = self.assertFunctionEnvelope(self.call_bedrock(e, token=self.t123), e)
        self.assertEqual(state, "FAILURE")
        state, _ = self.assertFunctionEnvelope(self.call_bedrock(e, token=self.reader), e)
        self.assertIsNone(state)
        move = function_event("core-banking", "transfer", [
            ("from_account", "string", "acc-456"), ("to_account", "string", "acc-457"),
            ("amount", "number", "1.00")])
        state, _ = self.assertFunctionEnvelope(self.call_bedrock(move, token=self.reader), move)
        self.assertEqual(state, "FAILURE")
        self.assertProblem(self.post("/v1/agents/bedrock", e), 401, "unauthorized")

    def test_an_event_that_is_not_bedrock_is_refused(self):
        self.assertProblem(self.post("/v1/agents/bedrock", {"hello": 1}, token=self.bedrock),
                           400, "invalid_request")

    def test_unknown_api_path_fails_with_404_in_the_envelope(self):
        e = api_event("core-banking", "/v1/nope", "get")
        env = self.call_bedrock(e)
        status, body = self.assertApiEnvelope(env, e)
        self.assertEqual((status, body["code"]), (404, "not_found"))
        self.assertEqual(env["response"]["responseState"], "FAILURE")
        known = api_event("core-banking", "/v1/core-banking/balance", "get",
                          [("account_id", "string", "acc-789")])
        env = self.call_bedrock(known)
        self.assertEqual(self.assertApiEnvelope(env, known)[0], 404)  # a refusal, not a failure
        self.assertNotIn("responseState", env["response"])

    def test_unknown_function_fails_instead_of_answering_a_bare_problem(self):
        e = function_event("core-banking", "get_balances")
        state, text = self.assertFunctionEnvelope(self.call_bedrock(e), e)
        self.assertEqual(state, "FAILURE")
        self.assertEqual(json.loads(text)["code"], "not_found")
        self.assertIn("get_balances", text)

    def test_openapi_route_serves_every_group(self):
        for group, doc in self.docs.items():
            r = self.get(f"/v1/openapi/{group}.json")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json(), doc)
        self.assertEqual(self.get("/v1/openapi/nope.json").status, 404)

    def test_agentcore_strips_the_target_and_answers_plain_json(self):
        r = self.post("/v1/agents/agentcore", {}, token=self.bedrock,
                      headers={"X-Centli-Tool": "centli___get_balance", "X-Centli-User": "user-123"})
        self.assertEqual(r.status, 200, r)
        self.assertIn("accounts", r.json())
        r = self.post("/v1/agents/agentcore", {}, token=self.t456,
                      headers={"X-Centli-Tool": "get_balance"})
        self.assertIn("0789", r.json()["summary"])
        r = self.post("/v1/agents/agentcore", {}, token=self.bedrock,
                      headers={"X-Centli-Tool": "t___nope", "X-Centli-User": "user-123"})
        self.assertEqual(r.status, 404)

    def mcp(self, body, session=None, token=None, headers=None):
        h = {"Accept": "application/json, text/event-stream"}
        if session:
            h["Mcp-Session-Id"] = session
            h["MCP-Protocol-Version"] = "2025-06-18"
        h.update(headers or {})
        return self.post("/mcp", body, token=token or self.t123, headers=h)

    def test_mcp_http_lifecycle_sessions_and_errors(self):
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}
        r = self.mcp(init)
        self.assertEqual(r.status, 200, r)
        sid = r.headers["mcp-session-id"]
        self.assertEqual(r.json()["result"]["protocolVersion"], "2025-06-18")
        self.assertEqual(self.mcp({"jsonrpc": "2.0", "method": "notifications/initialized"},
                                  session=sid).status, 202)
        self.assertEqual(self.mcp({"jsonrpc": "2.0", "id": 2, "method": "ping"}).status, 400)
        self.assertEqual(self.mcp({"jsonrpc": "2.0", "id": 2, "method": "ping"},
                                  session="mcp-unknown").status, 404)
        self.assertEqual(self.mcp({"jsonrpc": "2.0", "id": 2, "method": "ping"}, session=sid,
                                  token=self.t456).status, 404)
        self.assertEqual(self.mcp({"jsonrpc": "2.0", "id": 2, "method": "ping"}, session=sid)
                         .json()["result"], {})
        r = self.mcp({"jsonrpc": "2.0", "id": 3, "method": "ping"}, session=sid,
                     headers={"MCP-Protocol-Version": "1999-01-01"})
        self.assertEqual(r.status, 400)
        r = self.mcp(init, headers={"Origin": "https://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.mcp(init, headers={"Origin": "http://localhost:3000"}).status, 200)
        self.assertEqual(self.get("/mcp", token=self.t123).status, 405)
        tools = self.mcp({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, session=sid).json()
        names = {t["name"] for t in tools["result"]["tools"]}
        for doc in self.docs.values():
            for _, _, op in operations(doc):
                self.assertIn(op["operationId"], names)
        for t in tools["result"]["tools"]:
            for k in ("title", "description", "inputSchema", "outputSchema", "annotations"):
                self.assertIn(k, t)
            for k in ("readOnlyHint", "destructiveHint", "idempotentHint"):
                self.assertIn(k, t["annotations"])
        r = self.mcp({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                      "params": {"name": "get_balance", "arguments": {}}}, session=sid).json()
        self.assertFalse(r["result"]["isError"])
        self.assertEqual(json.loads(r["result"]["content"][0]["text"]),
                         r["result"]["structuredContent"])
        r = self.mcp({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                      "params": {"name": "nope", "arguments": {}}}, session=sid).json()
        self.assertEqual(r["error"]["code"], -32602)
        r = self.mcp({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "transfer", "arguments": {"from_account": "acc-456", "to_account": "acc-457",
                                              "amount": 99999999.00}}}, session=sid).json()
        self.assertTrue(r["result"]["isError"])
        self.assertEqual(json.loads(r["result"]["content"][0]["text"])["code"],
                         "amount_limit_exceeded")
        self.assertNotIn("structuredContent", r["result"])
        move = {"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {
            "name": "transfer", "arguments": {"from_account": "acc-456", "to_account": "acc-457",
                                              "amount": "4.00"}}}
        a = self.mcp(move, session=sid).json()["result"]["structuredContent"]
        b = self.mcp(move, session=sid).json()["result"]["structuredContent"]
        self.assertEqual(a["transfer_id"], b["transfer_id"])

    def mcp_session(self, token=None):
        r = self.mcp(MCP_INIT, token=token)
        self.assertEqual(r.status, 200, r)
        return r.headers["mcp-session-id"]

    def mcp_tools(self, sid, token=None):
        r = self.mcp({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, session=sid, token=token)
        return {t["name"]: t for t in r.json()["result"]["tools"]}

    def mcp_call(self, sid, rpc_id, name, arguments, token=None):
        r = self.mcp({"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call",
                      "params": {"name": name, "arguments": arguments}}, session=sid, token=token)
        self.assertEqual(r.status, 200, r)
        return r.json()["result"]

    def posted(self, account_id, token):
        r = self.get(f"/v1/core-banking/balance?account_id={account_id}", token=token)
        return money(r.json()["accounts"][0]["posted"])

    def test_mcp_tool_annotations_say_what_each_tool_does(self):
        tools = self.mcp_tools(self.mcp_session())
        self.assertEqual(set(tools), set(HINTS))
        for name, tool in tools.items():
            a = tool["annotations"]
            self.assertEqual((a["readOnlyHint"], a["destructiveHint"], a["idempotentHint"],
                              a["openWorldHint"]), HINTS[name], name)

    def test_the_same_transfer_under_new_jsonrpc_ids_moves_money_twice_so_not_idempotent(self):
        sid = self.mcp_session()
        hints = self.mcp_tools(sid)["transfer"]["annotations"]
        self.assertEqual((hints["idempotentHint"], hints["destructiveHint"]), (False, True))
        before = self.posted("acc-456", self.t123)
        args = {"from_account": "acc-456", "to_account": "acc-457", "amount": "6.00"}
        moved = [self.mcp_call(sid, rpc_id, "transfer", args) for rpc_id in (301, 302)]
        self.assertEqual([m["isError"] for m in moved], [False, False], moved)
        ids = {m["structuredContent"]["transfer_id"] for m in moved}
        self.assertEqual(len(ids), 2)
        self.assertEqual(self.posted("acc-456", self.t123), before - 1200)
        # Only a request_id the client repeats makes the repeat harmless.
        args["request_id"] = "mcp-hints-same-request"
        again = [self.mcp_call(sid, rpc_id, "transfer", args) for rpc_id in (303, 304)]
        self.assertEqual(again[0]["structuredContent"], again[1]["structuredContent"])
        self.assertEqual(self.posted("acc-456", self.t123), before - 1800)

    def test_adding_the_same_beneficiary_again_adds_nothing_so_idempotent(self):
        sid = self.mcp_session(token=self.t456)
        hints = self.mcp_tools(sid, token=self.t456)["add_beneficiary"]["annotations"]
        self.assertEqual((hints["idempotentHint"], hints["destructiveHint"]), (True, False))
        book = "/v1/crm/beneficiaries?limit=100"
        before = len(self.get(book, token=self.t456).json()["beneficiaries"])
        args = {"alias": "Prima Rosa", "name": "Rosa Díaz", "clabe": "012180001234567899"}
        first = self.mcp_call(sid, 401, "add_beneficiary", args, token=self.t456)
        second = self.mcp_call(sid, 402, "add_beneficiary", args, token=self.t456)
        self.assertFalse(first["isError"], first)
        self.assertTrue(second["isError"], second)
        self.assertEqual(json.loads(second["content"][0]["text"])["code"],
                         "beneficiary_duplicate")
        self.assertEqual(len(self.get(book, token=self.t456).json()["beneficiaries"]),
                         before + 1)

    def test_one_caller_opening_more_sessions_than_the_total_keeps_everyone_elses(self):
        ping = {"jsonrpc": "2.0", "id": 9, "method": "ping"}
        other = self.mcp_session(token=self.t456)
        conn = self.server.connection()
        self.addCleanup(conn.close)
        opened = []
        for _ in range(1025):  # limits::kMcpSessionsMax + 1
            r = self.server.request("POST", "/mcp", body=MCP_INIT, token=self.t123, conn=conn,
                                    headers={"Accept": "application/json, text/event-stream"})
            self.assertEqual(r.status, 200, r)
            opened.append(r.headers["mcp-session-id"])
        r = self.mcp(ping, session=other, token=self.t456)
        self.assertEqual((r.status, r.json().get("result")), (200, {}), r)
        self.assertEqual(self.mcp(ping, session=opened[-1]).json()["result"], {})
        self.assertEqual(self.mcp(ping, session=opened[0]).status, 404)  # its own oldest went
        # limits::kMcpSessionsPerCallerMax (16) of the caller's sessions are kept.
        kept = [sid for sid in opened[-17:] if self.mcp(ping, session=sid).status == 200]
        self.assertEqual(kept, opened[-16:])


class Summaries(ServerTestCase):
    """One item is counted in the singular, in Spanish and English."""

    def summary(self, path, token, english=False, body=None):
        headers = {"Accept-Language": "en-US"} if english else None
        if body is None:
            r = self.get(path, token=token, headers=headers)
        else:
            r = self.post(path, body, token=token, headers=headers, key="summaries-" + path)
        self.assertLess(r.status, 300, r)
        return r.json()["summary"]

    def test_one_item_is_counted_in_the_singular(self):
        book = "/v1/crm/beneficiaries"
        self.assertEqual(self.summary(book + "?limit=1", self.t123),
                         "Se muestra 1 de tus 8 beneficiarios, por alias.")
        self.assertEqual(self.summary(book + "?limit=2", self.t123),
                         "Se muestran 2 de tus 8 beneficiarios, por alias.")
        self.assertEqual(self.summary(book + "?limit=1", self.t123, english=True),
                         "Showing 1 of your 8 beneficiaries, by alias.")
        self.assertEqual(self.summary(book, self.t456), "Se muestra tu único beneficiario.")
        self.assertEqual(self.summary(book, self.t999), "No tienes beneficiarios.")
        catalog = "/v1/marketplace/catalog"
        self.assertEqual(self.summary(catalog + "?q=chichen", self.t123),
                         "Se muestra 1 de 1 producto que coincide.")
        self.assertEqual(self.summary(catalog + "?q=chichen", self.t123, english=True),
                         "Showing 1 of 1 matching product.")
        self.assertEqual(self.summary(catalog + "?limit=1", self.t123),
                         "Se muestra 1 de 41 productos que coinciden.")
        one_way = self.summary("/v1/marketplace/benefits", self.t999,
                               body={"product_id": "prd-bus-gdl", "quantity": 1})
        self.assertTrue(one_way.startswith("1 forma de pago, full:acc-999: "), one_way)
        self.summary("/v1/marketplace/purchase", self.t999, body={
            "product_id": "prd-beans", "quantity": 1, "account_id": "acc-999",
            "option_id": "full:acc-999"})
        self.assertEqual(self.summary("/v1/marketplace/purchases", self.t999),
                         "Se muestra 1 compra.")
        self.assertEqual(self.summary("/v1/marketplace/purchases", self.t999, english=True),
                         "Showing 1 purchase.")


class CommandLine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="centli-cli-")
        run_cli("demo", "load", *store_args(cls.data))

    @classmethod
    def tearDownClass(cls):
        remove_data(cls.data)

    def call(self, *args):
        return run_cli("call", *args, *store_args(self.data), check=False)

    def test_every_read_action_runs_with_exit_code_zero(self):
        for doc in documents().values():
            for _, method, op in operations(doc):
                if method != "get" or any(p.get("required") for p in op.get("parameters", [])):
                    continue
                with self.subTest(op=op["operationId"]):
                    p = self.call(op["operationId"], "--user", "user-123", "--json")
                    self.assertEqual(p.returncode, 0, p.stderr)
                    self.assertIn("summary", json.loads(p.stdout))

    def test_exit_codes(self):
        ok = self.call("transfer", "--user", "user-123", "from_account=acc-456",
                       "to_account=acc-457", "amount=5.00")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("0457", ok.stdout)
        refused = self.call("transfer", "--user", "user-123", "from_account=acc-456",
                            "to_account=acc-457", "amount=99999999.00")
        self.assertEqual(refused.returncode, 1, refused.stderr)
        self.assertEqual(self.call("transfer", "--user", "user-123", "amount=x").returncode, 2)
        self.assertEqual(self.call("nope", "--user", "user-123").returncode, 2)
        self.assertEqual(self.call("get_balance").returncode, 2)
        self.assertEqual(run_cli("call", "get_balance", "--user", "u", "--url",
                                 "http://127.0.0.1:1", "--token", "x", check=False).returncode, 3)

    def test_mcp_stdio_answers_one_line_per_message_and_exits_when_stdin_closes(self):
        lines = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                             "clientInfo": {"name": "t", "version": "1"}}},
                 {"jsonrpc": "2.0", "method": "notifications/initialized"},
                 {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                 {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                  "params": {"name": "get_balance", "arguments": {}}}]
        p = subprocess.run([BIN, "mcp", *store_args(self.data), "--user", "user-123"],
                           input="\n".join(json.dumps(m) for m in lines) + "\n",
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual([m["id"] for m in out], [1, 2, 3])
        self.assertEqual(out[0]["result"]["protocolVersion"], "2025-03-26")
        self.assertNotIn("outputSchema", out[1]["result"]["tools"][0])
        self.assertFalse(out[2]["result"]["isError"])


if __name__ == "__main__":
    unittest.main()
