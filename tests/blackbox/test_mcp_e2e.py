"""MCP end to end with the official TypeScript SDK client (stdio and Streamable HTTP), and
`@redocly/cli lint` over every OpenAPI document. Installs tests/mcp's npm packages (npm ci,
from the lock file) only when node_modules is missing."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, Server, run_cli

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MCP_DIR = os.path.join(ROOT, "tests", "mcp")
NODE_TIMEOUT_S = 180
INSTALL_TIMEOUT_S = 600


def ensure_packages(test):
    if shutil.which("node") is None or shutil.which("npm") is None:
        # scripts/test installs Node.js; in CI a missing node is a failure, never a skip.
        if os.environ.get("CI"):
            raise AssertionError("node and npm are needed for the MCP SDK tests")
        test.skipTest("node and npm are needed for the MCP SDK tests")
    if os.path.isdir(os.path.join(MCP_DIR, "node_modules")):
        return
    for args in (["npm", "ci", "--no-audit", "--no-fund"],
                 ["npm", "install", "--no-audit", "--no-fund"]):
        p = subprocess.run(args, cwd=MCP_DIR, capture_output=True, text=True,
                           timeout=INSTALL_TIMEOUT_S)
        if p.returncode == 0:
            return
    raise AssertionError("npm could not install tests/mcp: " + p.stderr[-2000:])


class McpSdkEndToEnd(unittest.TestCase):
    def setUp(self):
        ensure_packages(self)
        self.tmp = tempfile.mkdtemp(prefix="centli-mcp-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_sdk_client_lists_calls_transfers_and_sees_refusals_over_both_transports(self):
        stdio_data = os.path.join(self.tmp, "stdio")
        run_cli("demo", "load", "--data", stdio_data)
        with Server() as server:
            token = server.token(user="user-123")
            p = subprocess.run(["node", "mcp_e2e.mjs", os.path.abspath(BIN), stdio_data,
                                f"http://127.0.0.1:{server.port}", token],
                               cwd=MCP_DIR, capture_output=True, text=True,
                               timeout=NODE_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("stdio:", p.stdout)
        self.assertIn("http:", p.stdout)

    def test_every_openapi_document_passes_redocly_lint(self):
        known = re.search(r"one of: ([^)]*)\)", run_cli("openapi", check=False).stderr)
        self.assertIsNotNone(known)
        files = []
        for group in (g.strip() for g in known.group(1).split(",")):
            path = os.path.join(self.tmp, f"{group}.json")
            with open(path, "w") as f:
                f.write(run_cli("openapi", "--group", group).stdout)
            files.append(path)
        p = subprocess.run(["npx", "--no-install", "redocly", "lint", "--format", "stylish",
                            "--config", os.path.join(ROOT, ".redocly.yaml"), *files],
                           cwd=MCP_DIR, capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
