// What both official TypeScript clients do against centli (mcp_e2e.mjs with
// @modelcontextprotocol/sdk 1.x, mcp_e2e_v2.mjs with @modelcontextprotocol/client 2.x): list
// the tools and call every one at least once with arguments that succeed (the purchase with an
// option calculate_benefits offered, get_purchase with the purchase made, resolve_alias with the
// beneficiary just added), a transfer, a refused transfer (isError, the problem as the text), and
// an unknown tool (a JSON-RPC error). `client` is connected; the caller closes it.
import assert from "node:assert/strict";

// Every tool centli has; a tool added later fails here until it has a call below.
const TOOLS = ["get_balance", "transfer", "get_transactions", "resolve_alias", "get_beneficiaries",
               "add_beneficiary", "get_catalog", "calculate_benefits", "purchase", "get_purchase",
               "get_purchases"];

export async function exercise(label, client) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOLS].sort(), `${label}: the tools`);
  for (const tool of tools) {
    assert.ok(tool.description && tool.inputSchema && tool.annotations, `${label}: ${tool.name}`);
    assert.equal(typeof tool.annotations.readOnlyHint, "boolean");
  }
  const called = new Set();
  const call = async (name, args) => {
    const r = await client.callTool({ name, arguments: args });
    called.add(name);
    assert.equal(r.isError, false, `${label}: ${name} answered ${JSON.stringify(r)}`);
    assert.equal(typeof r.structuredContent.summary, "string", `${label}: ${name} summary`);
    assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
    return r.structuredContent;
  };
  for (const name of ["get_balance", "get_transactions", "get_beneficiaries", "get_purchases"]) {
    await call(name, {});
  }
  const alias = `Primo ${label} ${Math.floor(Math.random() * 1e6)}`.replace(/[^A-Za-z0-9 -]/g, " ");
  await call("add_beneficiary", { alias, name: "Pedro Primo Ruiz", account_id: "acc-789" });
  const resolved = await call("resolve_alias", { alias });
  assert.equal(resolved.status, "RESOLVED", `${label}: ${JSON.stringify(resolved)}`);
  const { products } = await call("get_catalog", {});
  const product = products.find((p) => p.in_stock);
  const { options } = await call("calculate_benefits", { product_id: product.product_id, quantity: 1 });
  const option = options.find((o) => o.affordable && o.account_id === "acc-456");
  const bought = await call("purchase", {
    product_id: product.product_id, quantity: 1, account_id: "acc-456", option_id: option.option_id,
  });
  await call("get_purchase", { purchase_id: bought.purchase_id });
  const moved = await call("transfer", { from_account: "acc-456", to_account: "acc-457", amount: "12.34" });
  assert.equal(moved.amount, "12.34");
  assert.deepEqual([...called].sort(), [...TOOLS].sort(), `${label}: every tool called`);

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
  return tools.length;
}
