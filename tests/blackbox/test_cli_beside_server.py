"""Tools beside a running server (issue 9, item 6): `centli call` and `centli mcp` on a data
directory that `centli serve` holds go through that server, with the answers they give
in-process; the server's address file (DIR/centli.server) is private, lives while the server
listens, and a stale one left by `kill -9` never misleads or hangs a tool. On PostgreSQL the
tools open the database the server uses, beside it, and must answer the same; the address file
and the directory lock are SQLite's and their tests skipped."""

import json
import os
import stat
import subprocess
import tempfile
import time
import unittest

from harness import (BIN, Server, money, project_version, remove_data, run_cli, sqlite_only,
                     store_args)
from test_mcp_e2e import ensure_packages, run_node

# Every tool run here is bounded: the longest a tool may wait for a server starting or
# stopping is 2 s (limits::kLocalServerWaitMs), so 30 s means a hang.
TOOL_TIMEOUT_S = 30
BAL = "/v1/core-banking/balance"
# Open MCP HTTP sessions a server keeps (limits::kMcpSessionsMax).
SESSIONS_MAX = 1024
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}}
MCP_LINES = [INIT,
             {"jsonrpc": "2.0", "method": "notifications/initialized"},
             {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
             {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
              "params": {"name": "get_balance", "arguments": {}}}]


def address_file(data_dir):
    return os.path.join(data_dir, "centli.server")


def mcp(*args, lines=MCP_LINES):
    """Runs `centli mcp ARGS` with one JSON-RPC message per line; returns (process, answers)."""
    p = subprocess.run([BIN, "mcp", *args], input="".join(json.dumps(m) + "\n" for m in lines),
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    return p, [json.loads(line) for line in p.stdout.splitlines()]


class CliBesideServer(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-beside-")
        self.server = Server(data_dir=self.dir).start()

    def tearDown(self):
        self.server.stop()
        remove_data(self.dir)

    def call(self, *args):
        return run_cli("call", *args, *store_args(self.dir), check=False,
                       timeout=TOOL_TIMEOUT_S)

    def call_json(self, *args):
        p = self.call(*args, "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def stop_server(self):
        self.assertEqual(self.server.stop(), 0)
        self.assertFalse(os.path.exists(address_file(self.dir)))

    def test_call_get_balance_beside_the_server_answers_as_in_process(self):
        beside = self.call_json("get_balance", "--user", "user-123")
        self.assertEqual([a["account_id"] for a in beside["accounts"]],
                         ["acc-456", "acc-457", "acc-458"])
        human = self.call("get_balance", "--user", "user-123")
        self.assertEqual(human.returncode, 0, human.stderr)
        self.assertIn("0456", human.stdout)
        self.stop_server()
        alone = self.call_json("get_balance", "--user", "user-123")
        self.assertEqual(beside, alone)

    def test_a_transfer_through_call_beside_the_server_moves_money_once(self):
        token = self.server.token(user="user-123")
        before = {a["account_id"]: money(a["posted"])
                  for a in self.server.request("GET", BAL, token=token).json()["accounts"]}
        move = ("transfer", "--user", "user-123", "from_account=acc-456", "to_account=acc-457",
                "amount=12.34", "--key", "beside-once")
        first = self.call_json(*move)
        self.assertEqual((first["status"], first["amount"]), ("COMPLETED", "12.34"))
        again = self.call_json(*move)
        self.assertEqual(again, first)
        after = {a["account_id"]: money(a["posted"])
                 for a in self.server.request("GET", BAL, token=token).json()["accounts"]}
        self.assertEqual(after["acc-456"], before["acc-456"] - 1234)
        self.assertEqual(after["acc-457"], before["acc-457"] + 1234)
        # The key belongs to the local tools whichever way the call went: in-process, the same
        # key replays the stored answer instead of moving the money a second time.
        self.stop_server()
        self.assertEqual(self.call_json(*move), first)
        alone = self.call_json("get_balance", "--user", "user-123", "account_id=acc-456")
        self.assertEqual(money(alone["accounts"][0]["posted"]), before["acc-456"] - 1234)

    def test_a_refusal_through_call_beside_the_server_keeps_its_exit_code(self):
        p = self.call("transfer", "--user", "user-123", "from_account=acc-456",
                      "to_account=acc-457", "amount=99999999.00")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("amount_limit_exceeded", p.stderr)
        p = self.call("get_balance", "--user", "user-123", "account_id=acc-789", "--json")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(json.loads(p.stderr)["code"], "account_not_found")

    def test_mcp_beside_the_server_answers_initialize_tools_list_and_get_balance(self):
        p, beside = mcp(*store_args(self.dir), "--user", "user-123")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["id"] for m in beside], [1, 2, 3])
        self.assertEqual(beside[0]["result"]["protocolVersion"], "2025-06-18")
        self.assertEqual(beside[0]["result"]["serverInfo"]["version"], project_version())
        self.assertIn("get_balance", [t["name"] for t in beside[1]["result"]["tools"]])
        result = beside[2]["result"]
        self.assertFalse(result["isError"])
        self.assertEqual([a["account_id"] for a in result["structuredContent"]["accounts"]],
                         ["acc-456", "acc-457", "acc-458"])
        self.stop_server()
        p, alone = mcp(*store_args(self.dir), "--user", "user-123")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(beside, alone)

    def test_mcp_beside_the_server_opens_a_session_for_a_client_that_skips_initialize(self):
        lines = [{"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                  "params": {"name": "get_balance", "arguments": {"account_id": "acc-457"}}},
                 {"jsonrpc": "2.0", "id": 8, "method": "ping"}]
        p, out = mcp(*store_args(self.dir), "--user", "user-123", lines=lines)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["id"] for m in out], [7, 8])
        self.assertEqual(out[0]["result"]["structuredContent"]["accounts"][0]["account_id"],
                         "acc-457")
        self.assertEqual(out[1]["result"], {})

    def test_the_official_sdk_client_over_stdio_beside_the_server(self):
        ensure_packages()
        token = self.server.token(user="user-123")
        p = run_node("mcp_e2e.mjs", os.path.abspath(BIN), "=".join(store_args(self.dir)),
                     f"http://127.0.0.1:{self.server.port}", token)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("stdio:", p.stdout)

    @sqlite_only("the relay to the server and its in-memory token in DIR/centli.server exist "
                 "for the SQLite store, which one process holds; on PostgreSQL `centli mcp` "
                 "runs in-process on the shared database")
    def test_mcp_beside_the_server_opens_a_new_session_when_the_server_forgot_its_own(self):
        relay = subprocess.Popen([BIN, "mcp", "--data", self.dir, "--user", "user-123"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            def ask(message):
                relay.stdin.write(json.dumps(message) + "\n")
                relay.stdin.flush()
                return json.loads(relay.stdout.readline())

            self.assertEqual(ask(INIT)["id"], 1)
            # Sessions of the same caller past the server's bound push the relay's out.
            with open(address_file(self.dir)) as f:
                token = json.load(f)["token"]
            conn = self.server.connection()
            for _ in range(SESSIONS_MAX + 1):
                self.server.request("POST", "/mcp", body=INIT, token=token, conn=conn,
                                    headers={"X-Centli-User": "user-123"})
            conn.close()
            answer = ask({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                          "params": {"name": "get_balance", "arguments": {}}})
            self.assertEqual(answer["id"], 2)
            self.assertFalse(answer["result"]["isError"], answer)
        finally:
            relay.stdin.close()
            self.assertEqual(relay.wait(timeout=TOOL_TIMEOUT_S), 0)
            relay.stdout.close()
            relay.stderr.close()

    def test_mcp_with_url_and_token_relays_to_the_server(self):
        url = f"http://127.0.0.1:{self.server.port}"
        person = self.server.token(user="user-123")
        p, out = mcp("--url", url, "--token", person)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["id"] for m in out], [1, 2, 3])
        accounts = out[2]["result"]["structuredContent"]["accounts"]
        self.assertEqual([a["account_id"] for a in accounts], ["acc-456", "acc-457", "acc-458"])
        agent = self.server.token(service="desk", delegate=True)
        p, out = mcp("--url", url, "--token", agent, "--user", "user-456")
        self.assertEqual(p.returncode, 0, p.stderr)
        accounts = out[2]["result"]["structuredContent"]["accounts"]
        self.assertEqual([a["account_id"] for a in accounts], ["acc-789", "acc-790"])
        # A refusal of the HTTP door reaches the client as a JSON-RPC error for its request.
        p, out = mcp("--url", url, "--token", "cnt_not-a-token")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["id"] for m in out], [1, 2, 3])
        self.assertEqual(out[0]["error"]["code"], -32603)
        self.assertIn("HTTP 401", out[0]["error"]["message"])
        self.assertEqual(run_cli("mcp", "--url", url, check=False).returncode, 2)

    def test_mcp_ends_with_exit_3_when_its_server_goes_away(self):
        url = f"http://127.0.0.1:{self.server.port}"
        token = self.server.token(user="user-123")
        self.stop_server()
        p, out = mcp("--url", url, "--token", token)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual([m["id"] for m in out], [1])
        self.assertEqual(out[0]["error"]["code"], -32603)
        self.assertIn("did not answer", p.stderr)

    @sqlite_only("the address file DIR/centli.server is how tools find a server holding the SQLite "
                 "store's directory; on PostgreSQL tools open the shared database themselves")
    def test_the_address_file_is_private_local_and_limited_to_person_scopes(self):
        path = address_file(self.dir)
        st = os.stat(path)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_uid, os.geteuid())
        with open(path) as f:
            info = json.load(f)
        self.assertEqual(set(info), {"url", "token", "pid"})
        self.assertEqual(info["url"], f"http://127.0.0.1:{self.server.port}")
        self.assertEqual(info["pid"], self.server.proc.pid)
        token = info["token"]
        acting = self.server.request("GET", BAL, token=token, headers={"X-Centli-User": "user-456"})
        self.assertEqual(acting.status, 200, acting)
        self.assertEqual(self.server.request("GET", BAL, token=token).status, 400)
        self.assertEqual(self.server.request("GET", "/v1/admin/events/dlq", token=token).status,
                         403)
        # The credential lives in the server's memory only: a restart makes it worthless.
        self.assertEqual(self.server.stop(), 0)
        self.assertFalse(os.path.exists(path))
        self.server.start()
        r = self.server.request("GET", BAL, token=token, headers={"X-Centli-User": "user-123"})
        self.assertEqual(r.status, 401)

    @sqlite_only("the address file DIR/centli.server is how tools find a server holding the SQLite "
                 "store's directory; on PostgreSQL tools open the shared database themselves")
    def test_a_stale_address_file_after_kill_9_gives_an_in_process_run(self):
        beside = self.call_json("get_balance", "--user", "user-123")
        self.server.kill9()
        self.assertTrue(os.path.exists(address_file(self.dir)))
        started = time.monotonic()
        self.assertEqual(self.call_json("get_balance", "--user", "user-123"), beside)
        p, out = mcp(*store_args(self.dir), "--user", "user-123")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["id"] for m in out], [1, 2, 3])
        self.assertLess(time.monotonic() - started, TOOL_TIMEOUT_S)

    @sqlite_only("the address file and the lock on the SQLite store's directory; PostgreSQL "
                 "has neither, and tools share its database")
    def test_a_stale_address_file_and_a_lock_held_by_a_tool_give_a_clear_error(self):
        self.server.kill9()
        self.assertTrue(os.path.exists(address_file(self.dir)))
        # An in-process `centli mcp` holds the directory until its stdin closes.
        holder = subprocess.Popen([BIN, "mcp", "--data", self.dir, "--user", "user-123"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            holder.stdin.write(json.dumps(INIT) + "\n")
            holder.stdin.flush()
            self.assertEqual(json.loads(holder.stdout.readline())["id"], 1)
            p = self.call("get_balance", "--user", "user-123")
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("in use by another centli process", p.stderr)
            self.assertIn("is left over from process", p.stderr)
        finally:
            holder.stdin.close()
            self.assertEqual(holder.wait(timeout=TOOL_TIMEOUT_S), 0)
            holder.stdout.close()
            holder.stderr.close()


if __name__ == "__main__":
    unittest.main()
