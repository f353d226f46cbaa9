// End-to-end check of centli's MCP doors with the official TypeScript SDK client:
//   node mcp_e2e.mjs CENTLI_BIN STORE URL TOKEN
// STORE is the store option as one argument, `--data=DIR` or `--store=URL`.
// Over stdio (`centli mcp STORE --user user-123`) and Streamable HTTP (URL/mcp with
// TOKEN, a token of user-123): list the tools, call each read tool that needs no input, make a
// transfer, and see isError on a refused one. Exits 0 when every check holds.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [bin, store, url, token] = process.argv.slice(2);
assert.ok(bin && /^--(data|store)=./.test(store) && url && token,
          "usage: mcp_e2e.mjs CENTLI_BIN --data=DIR|--store=URL URL TOKEN");

async function exercise(label, transport) {
  const client = new Client({ name: "centli-e2e", version: "1.0.0" });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const name of ["get_balance", "transfer", "get_transactions"]) {
    assert.ok(names.includes(name), `${label}: tool ${name} listed`);
  }
  for (const tool of tools) {
    assert.ok(tool.description && tool.inputSchema && tool.annotations, `${label}: ${tool.name} shape`);
    assert.equal(typeof tool.annotations.readOnlyHint, "boolean");
    if (!tool.annotations.readOnlyHint || (tool.inputSchema.required ?? []).length > 0) continue;
    const r = await client.callTool({ name: tool.name, arguments: {} });
    assert.equal(r.isError, false, `${label}: ${tool.name} answered ${JSON.stringify(r)}`);
    assert.equal(typeof r.structuredContent.summary, "string", `${label}: ${tool.name} summary`);
    assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  }
  const moved = await client.callTool({
    name: "transfer",
    arguments: { from_account: "acc-456", to_account: "acc-457", amount: "12.34" },
  });
  assert.equal(moved.isError, false, `${label}: transfer ${JSON.stringify(moved)}`);
  assert.equal(moved.structuredContent.amount, "12.34");
  const refused = await client.callTool({
    name: "transfer",
    arguments: { from_account: "acc-456", to_account: "acc-457", amount: "99999999.00" },
  });
  assert.equal(refused.isError, true, `${label}: refused transfer is an error result`);
  assert.ok(JSON.parse(refused.content[0].text).code, `${label}: refusal carries the problem`);
  let unknown = null;
  try {
    await client.callTool({ name: "no_such_tool", arguments: {} });
  } catch (e) {
    unknown = e;
  }
  assert.ok(unknown, `${label}: unknown tool is a JSON-RPC error`);
  await client.ping();
  await client.close();
  console.log(`${label}: ${tools.length} tools, reads, transfer and refusal ok`);
}

await exercise("stdio", new StdioClientTransport({
  command: bin,
  args: ["mcp", store, "--user", "user-123"],
  stderr: "inherit",
}));
await exercise("http", new StreamableHTTPClientTransport(new URL("/mcp", url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
}));
