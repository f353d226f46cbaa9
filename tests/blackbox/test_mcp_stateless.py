"""MCP 2026-07-28, the stateless protocol, beside the initialize era (docs/agents.md, MCP):
requests that carry their version and client capabilities in params._meta are served without
initialize or a session, over Streamable HTTP (POST /mcp, with the Mcp-Method / Mcp-Name /
MCP-Protocol-Version headers checked against the body) and stdio (in-process and relayed);
server/discover; caching hints on tools/list; every refusal a JSON-RPC error with the status
the specification gives; the same tool list from every node; and a transfer without
request_id is a new payment each time while a repeated request_id pays once."""

import json
import subprocess
import tempfile

from harness import BIN, Server, ServerTestCase, money, remove_data, run_cli, store_args

VERSION = "2026-07-28"
ACCEPT = {"Accept": "application/json, text/event-stream"}
META = {"io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "centli-tests", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}}
SUPPORTED = [VERSION, "2025-11-25", "2025-06-18", "2025-03-26"]
TOOL_TIMEOUT_S = 30
TRANSFER = {"from_account": "acc-456", "to_account": "acc-457", "amount": "3.00"}


def request(rpc_id, method, params=None, meta=META):
    p = dict(params or {})
    if meta is not None:
        p["_meta"] = meta
    return {"jsonrpc": "2.0", "id": rpc_id, "method": method, "params": p}


def headers_for(message, version=VERSION):
    """The headers a 2026-07-28 client sends with `message`."""
    h = dict(ACCEPT)
    h["MCP-Protocol-Version"] = version
    h["Mcp-Method"] = message["method"]
    name = (message.get("params") or {}).get("name")
    if name is not None:
        h["Mcp-Name"] = name
    return h


class McpStateless(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = tempfile.mkdtemp(prefix="centli-stdio-")
        run_cli("demo", "load", *store_args(cls.data))

    @classmethod
    def tearDownClass(cls):
        remove_data(cls.data)
        super().tearDownClass()

    def mcp(self, message, headers=None, token=None, server=None):
        h = headers_for(message) if headers is None else headers
        return (server or self.server).request("POST", "/mcp", body=message,
                                               token=token or self.t123, headers=h)

    def result(self, message, **kw):
        r = self.mcp(message, **kw)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["id"], message["id"])
        self.assertIn("result", body, body)
        self.assertEqual(body["result"]["resultType"], "complete")
        self.assertEqual(body["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
                         "centli")
        return body["result"]

    def error(self, r, status, code, rpc_id):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        body = r.json()
        self.assertEqual(body["id"], rpc_id, body)
        self.assertEqual(body["error"]["code"], code, body)
        return body["error"]

    def posted(self):
        r = self.get("/v1/core-banking/balance?account_id=acc-456", token=self.t123)
        return money(r.json()["accounts"][0]["posted"])

    def stdio(self, lines, *how):
        args = list(how) or [*store_args(self.data), "--user", "user-123"]
        p = subprocess.run([BIN, "mcp", *args], input="".join(json.dumps(m) + "\n" for m in lines),
                           capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(line) for line in p.stdout.splitlines()]

    # ------------------------------------------------------------------ Streamable HTTP

    def test_discover_names_every_version_the_tools_capability_and_caching_hints(self):
        result = self.result(request(1, "server/discover"))
        self.assertEqual(result["supportedVersions"], SUPPORTED)
        self.assertEqual(result["capabilities"], {"tools": {"listChanged": False}})
        self.assertEqual((result["ttlMs"], result["cacheScope"]), (300000, "public"))
        self.assertIn("request_id", result["instructions"])

    def test_tools_list_has_caching_hints_and_is_the_same_for_every_person_and_node(self):
        message = request(2, "tools/list")
        first = self.result(message)
        self.assertEqual((first["ttlMs"], first["cacheScope"]), (300000, "public"))
        names = [t["name"] for t in first["tools"]]
        self.assertIn("transfer", names)
        self.assertTrue(all("outputSchema" in t and "title" in t for t in first["tools"]))
        self.assertEqual(self.result(message, token=self.t456), first)
        # A second node (another process on its own store) answers the same bytes.
        with Server() as other:
            token = other.token(user="user-123")
            r = self.mcp(message, server=other, token=token)
            self.assertEqual(r.body, self.mcp(message).body)

    def test_a_transfer_needs_no_session_and_without_request_id_each_call_pays(self):
        before = self.posted()
        call = request(3, "tools/call", {"name": "transfer", "arguments": TRANSFER})
        first = self.result(call)
        second = self.result(call)  # the same id again: 2026-07-28 has no session to replay in
        self.assertEqual([first["isError"], second["isError"]], [False, False])
        self.assertNotEqual(first["structuredContent"]["transfer_id"],
                            second["structuredContent"]["transfer_id"])
        self.assertEqual(self.posted(), before - 600)
        keyed = request(4, "tools/call", {"name": "transfer",
                                          "arguments": {**TRANSFER, "request_id": "st-once-1"}})
        a, b = self.result(keyed), self.result({**keyed, "id": 5})
        self.assertEqual(a["structuredContent"], b["structuredContent"])
        self.assertEqual(self.posted(), before - 900)

    def test_a_refused_transfer_is_an_error_result_and_an_unknown_tool_invalid_params(self):
        refused = self.result(request(6, "tools/call", {
            "name": "transfer", "arguments": {**TRANSFER, "amount": "99999999.00"}}))
        self.assertTrue(refused["isError"])
        self.assertNotIn("structuredContent", refused)
        self.assertTrue(json.loads(refused["content"][0]["text"])["code"])
        self.error(self.mcp(request(7, "tools/call", {"name": "nope"})), 200, -32602, 7)

    def test_meta_without_version_or_capabilities_is_invalid_params_with_400(self):
        no_caps = {k: v for k, v in META.items() if "Capabilities" not in k}
        no_version = {k: v for k, v in META.items() if "protocolVersion" not in k}
        for rpc_id, meta in ((10, None), (11, no_caps), (12, no_version), (13, "x")):
            m = request(rpc_id, "server/discover", meta=meta)
            self.error(self.mcp(m, headers=headers_for(m)), 400, -32602, rpc_id)
        # A 2025-11-25 client that skipped initialize gets the same JSON-RPC error.
        r = self.mcp({"jsonrpc": "2.0", "id": 14, "method": "tools/list"}, headers=ACCEPT)
        self.assertIn("initialize", self.error(r, 400, -32602, 14)["message"])

    def test_an_unknown_version_is_32022_naming_the_supported_ones(self):
        meta = {**META, "io.modelcontextprotocol/protocolVersion": "1900-01-01"}
        m = request(20, "tools/list", meta=meta)
        e = self.error(self.mcp(m, headers=headers_for(m, "1900-01-01")), 400, -32022, 20)
        self.assertEqual(e["data"], {"supported": SUPPORTED, "requested": "1900-01-01"})

    def test_headers_that_disagree_with_the_body_are_32020_with_400(self):
        call = request(30, "tools/call", {"name": "get_balance", "arguments": {}})
        good = headers_for(call)
        cases = {
            "version missing": {k: v for k, v in good.items() if k != "MCP-Protocol-Version"},
            "version differs": {**good, "MCP-Protocol-Version": "2025-11-25"},
            "method missing": {k: v for k, v in good.items() if k != "Mcp-Method"},
            "method differs": {**good, "Mcp-Method": "tools/list"},
            "method case": {**good, "Mcp-Method": "TOOLS/CALL"},
            "name missing": {k: v for k, v in good.items() if k != "Mcp-Name"},
            "name differs": {**good, "Mcp-Name": "transfer"},
            "bad base64": {**good, "Mcp-Name": "=?base64?Z2V0X2JhbGFuY2U?="},
        }
        for what, h in cases.items():
            with self.subTest(what):
                self.error(self.mcp(call, headers=h), 400, -32020, 30)
        encoded = {**good, "mcp-name": "=?base64?Z2V0X2JhbGFuY2U=?="}
        del encoded["Mcp-Name"]
        self.assertFalse(self.result(call, headers=encoded)["isError"])

    def test_initialize_and_ping_with_meta_are_unknown_methods_with_404(self):
        for rpc_id, method in ((40, "initialize"), (41, "ping"), (42, "prompts/list")):
            self.error(self.mcp(request(rpc_id, method)), 404, -32601, rpc_id)

    def test_a_session_header_on_a_stateless_request_is_ignored(self):
        m = request(50, "tools/list")
        h = {**headers_for(m), "Mcp-Session-Id": "mcp-no-such-session"}
        self.assertIn("tools", self.result(m, headers=h))

    def test_notifications_are_accepted_with_202(self):
        n = {"jsonrpc": "2.0", "method": "notifications/cancelled",
             "params": {"requestId": 1, "_meta": META}}
        self.assertEqual(self.mcp(n, headers=ACCEPT).status, 202)

    # ------------------------------------------------------------------ stdio

    def test_stdio_serves_both_eras_in_one_process_in_process_and_relayed(self):
        url = f"http://127.0.0.1:{self.server.port}"
        for door, how in {"in-process": (), "relayed": ("--url", url, "--token", self.t123)}.items():
            with self.subTest(door):
                answers = self.stdio([
                    request(1, "server/discover"),
                    request(2, "tools/call", {"name": "get_balance", "arguments": {}}),
                    request(3, "ping"),
                    request(4, "tools/list", meta={**META, "io.modelcontextprotocol/"
                                                           "protocolVersion": "1900-01-01"}),
                    {"jsonrpc": "2.0", "id": 5, "method": "initialize", "params": {
                        "protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "t", "version": "1"}}},
                    {"jsonrpc": "2.0", "id": 6, "method": "ping"},
                    request(7, "tools/list"),
                ], *how)
                by_id = {a["id"]: a for a in answers}
                self.assertEqual(by_id[1]["result"]["supportedVersions"], SUPPORTED)
                self.assertFalse(by_id[2]["result"]["isError"])
                self.assertEqual(by_id[2]["result"]["resultType"], "complete")
                self.assertEqual(by_id[3]["error"]["code"], -32601)
                self.assertEqual(by_id[4]["error"]["code"], -32022)
                self.assertEqual(by_id[5]["result"]["protocolVersion"], "2025-11-25")
                self.assertEqual(by_id[6]["result"], {})
                self.assertEqual(by_id[7]["result"]["cacheScope"], "public")
