"""MCP end to end with both official TypeScript clients, over stdio and Streamable HTTP: the SDK
1.x (`@modelcontextprotocol/sdk`, 2025-11-25) and the client 2.x (`@modelcontextprotocol/client`,
2026-07-28 pinned and negotiated, and 2025-11-25), each calling every tool; and
`@redocly/cli lint` over every OpenAPI document. Installs tests/mcp's npm packages (npm ci,
from the lock file) when one is missing, Node.js itself among them: every script runs on the
`node` package's binary (NODE), so the tests behave the same whatever Node.js the machine has
(the system's is used only to run npm). npm missing or a package that cannot be installed is a
failure saying what is missing, never a skip: a skipped test would let the suite pass without
ever running the clients."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, Server, remove_data, run_cli, store_args

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MCP_DIR = os.path.join(ROOT, "tests", "mcp")
# What tests/mcp/package.json depends on; each must be in node_modules.
PACKAGES = ("@modelcontextprotocol/sdk", "@modelcontextprotocol/client",
            "@modelcontextprotocol/conformance", "@redocly/cli", "node")
BIN_DIR = os.path.join(MCP_DIR, "node_modules", ".bin")
# The Node.js the tests run on: the `node` package pinned in tests/mcp/package.json.
NODE = os.path.join(BIN_DIR, "node")
NODE_MAJOR = "v22."
NODE_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 600


def missing_packages():
    return [p for p in PACKAGES if not os.path.isdir(os.path.join(MCP_DIR, "node_modules", p))]


def node_env():
    """The environment for the pinned Node.js: its bin directory first on PATH, so the
    packages' own scripts (`#!/usr/bin/env node`) run on it too."""
    env = dict(os.environ)
    env["PATH"] = BIN_DIR + os.pathsep + env.get("PATH", "")
    return env


def pinned_node_version():
    try:
        p = subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return ""
    return p.stdout.strip() if p.returncode == 0 else ""


def ensure_packages():
    """Fails (AssertionError) unless every package in PACKAGES is installed in tests/mcp and
    the pinned Node.js runs, running `npm ci` first when one is missing (npm must be on PATH)."""
    if not missing_packages() and pinned_node_version().startswith(NODE_MAJOR):
        return
    if shutil.which("npm") is None:
        raise AssertionError(
            "npm not found on PATH: the MCP client, conformance and OpenAPI lint tests install "
            "their packages, Node.js 22 among them, with npm (scripts/install-deps --test "
            "installs it)")
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=MCP_DIR,
                       capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    still = missing_packages()
    version = pinned_node_version()
    if p.returncode != 0 or still or not version.startswith(NODE_MAJOR):
        raise AssertionError(f"npm ci in tests/mcp exited {p.returncode}; missing: "
                             f"{', '.join(still) or 'no package'}; pinned node: "
                             f"{version or 'does not run'}: " + (p.stdout + p.stderr)[-2000:])


def run_node(script, *args, timeout=NODE_TIMEOUT_S):
    """Runs tests/mcp/SCRIPT on the pinned Node.js."""
    return subprocess.run([NODE, script, *args], cwd=MCP_DIR, env=node_env(),
                          capture_output=True, text=True, timeout=timeout)


class McpSdkEndToEnd(unittest.TestCase):
    def setUp(self):
        ensure_packages()
        self.tmp = tempfile.mkdtemp(prefix="centli-mcp-")

    def tearDown(self):
        remove_data(self.tmp)

    def run_client(self, script):
        stdio_data = os.path.join(self.tmp, "stdio")
        run_cli("demo", "load", *store_args(stdio_data))
        with Server() as server:
            token = server.token(user="user-123")
            p = run_node(script, os.path.abspath(BIN), "=".join(store_args(stdio_data)),
                         f"http://127.0.0.1:{server.port}", token)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def test_the_pinned_node_is_node_22_whatever_the_system_has(self):
        self.assertTrue(pinned_node_version().startswith(NODE_MAJOR), pinned_node_version())

    def test_sdk_1_client_calls_every_tool_and_sees_refusals_over_both_transports(self):
        out = self.run_client("mcp_e2e.mjs")
        self.assertIn("stdio: 11 tools", out)
        self.assertIn("http: 11 tools", out)

    def test_client_2_calls_every_tool_in_both_eras_over_both_transports(self):
        out = self.run_client("mcp_e2e_v2.mjs")
        for door in ("stdio", "http"):
            self.assertIn(f"{door}-pinned: 2026-07-28", out)
            self.assertIn(f"{door}-auto: 2026-07-28", out)
            self.assertIn(f"{door}-legacy: 2025-11-25", out)

    def test_every_openapi_document_passes_redocly_lint(self):
        known = re.search(r"one of: ([^)]*)\)", run_cli("openapi", check=False).stderr)
        self.assertIsNotNone(known)
        files = []
        for group in (g.strip() for g in known.group(1).split(",")):
            path = os.path.join(self.tmp, f"{group}.json")
            with open(path, "w") as f:
                f.write(run_cli("openapi", "--group", group).stdout)
            files.append(path)
        p = subprocess.run([os.path.join(BIN_DIR, "redocly"), "lint", "--format", "stylish",
                            "--config", os.path.join(ROOT, ".redocly.yaml"), *files],
                           cwd=MCP_DIR, env=node_env(), capture_output=True, text=True,
                           timeout=NODE_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
