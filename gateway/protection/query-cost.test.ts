import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloGateway } from "@apollo/gateway";
import { type DocumentNode, getOperationAST, type GraphQLError, type GraphQLSchema, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_QUERY } from "../../test/support/dashboard.js";
import { operationCost } from "./query-cost.js";
import { queryCostPlugin } from "./query-limits.js";

describe("operationCost over the supergraph's API schema", () => {
  let gateway: ApolloGateway;
  let schema: GraphQLSchema;
  const cost = (query: string, variables?: Record<string, unknown>) => operationCost(schema, parse(query), undefined, variables);

  beforeAll(async () => {
    gateway = new ApolloGateway({ supergraphSdl: readFileSync(join("schema", "supergraph.graphql"), "utf8") });
    ({ schema } = await gateway.load());
  });
  afterAll(() => gateway.stop());

  it("charges a connection its first argument times the cost of one item", () => {
    expect(cost("{ cases(first: 10) { edges { node { id title } } } }")).toBe(10);
    expect(cost("{ cases(first: 10) { edges { node { id organization { name } } } } }")).toBe(20);
  });

  it("assumes the contract's default page of 20 when first is not given", () => {
    expect(cost("{ cases { edges { node { id } } } }")).toBe(20);
  });

  it("multiplies nested connections", () => {
    expect(cost("{ cases(first: 100) { edges { node { updates(first: 100) { edges { node { id } } } } } } }")).toBe(100 * (1 + 100));
  });

  it("reads first from variables, and from a variable's default", () => {
    const query = "query($n: Int) { cases(first: $n) { edges { node { id } } } }";
    expect(cost(query, { n: 50 })).toBe(50);
    expect(cost(query, {})).toBe(20);
    expect(cost("query($n: Int = 7) { cases(first: $n) { edges { node { id } } } }", {})).toBe(7);
  });

  it("counts lists without first as 10 items, and every aliased copy", () => {
    expect(cost('{ case(id: "1") { threatAnalysis { files { id } } } }')).toBe(1 + 1 + 10);
    expect(cost('{ a: case(id: "1") { id } b: case(id: "2") { id } }')).toBe(2);
  });

  it("follows fragments and leaves introspection free", () => {
    expect(cost("query { cases(first: 5) { ...Page } } fragment Page on CaseConnection { edges { node { organization { id } } } }")).toBe(5 * 2);
    expect(cost("{ __schema { types { name fields { name } } } }")).toBe(0);
  });

  it("keeps the dashboard (20 cases, 3 updates, 5 attachments, threat results) under the 1,000-point default", () => {
    expect(cost(DASHBOARD_QUERY)).toBe(700);
  });

  it("returns null when the variables do not coerce", () => {
    expect(cost("query($n: Int) { cases(first: $n) { totalCount } }", { n: "many" })).toBeNull();
  });
});

describe("queryCostPlugin on repeated requests with one parsed document", () => {
  let gateway: ApolloGateway;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    gateway = new ApolloGateway({ supergraphSdl: readFileSync(join("schema", "supergraph.graphql"), "utf8") });
    ({ schema } = await gateway.load());
  });
  afterAll(() => gateway.stop());

  /** Runs the plugin's didResolveOperation as Apollo does: the same document object for every request with the same text. */
  async function check(maxCost: number, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string) {
    const plugin = queryCostPlugin(maxCost);
    return runWith(plugin, document, variables, operationName);
  }
  async function runWith(plugin: ReturnType<typeof queryCostPlugin>, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string): Promise<"accepted" | number> {
    const listener = (await plugin.requestDidStart!({} as never)) as { didResolveOperation(context: unknown): Promise<void> };
    try {
      await listener.didResolveOperation({ schema, document, request: { variables }, operation: getOperationAST(document, operationName), operationName });
      return "accepted";
    } catch (error) {
      return (error as GraphQLError).extensions.cost as number;
    }
  }

  it("refuses the same document every time, and keeps operations of one document apart", async () => {
    const plugin = queryCostPlugin(50);
    const document = parse("query Small { cases(first: 10) { edges { node { id } } } } query Large { cases(first: 100) { edges { node { id } } } }");
    for (let i = 0; i < 3; i++) {
      expect(await runWith(plugin, document, undefined, "Small")).toBe("accepted");
      expect(await runWith(plugin, document, undefined, "Large")).toBe(100);
    }
  });

  it("reads the variables of every request: one document is accepted with a small first and refused with a large one", async () => {
    const plugin = queryCostPlugin(50);
    const document = parse("query($n: Int) { cases(first: $n) { edges { node { id } } } }");
    expect(await runWith(plugin, document, { n: 10 })).toBe("accepted");
    expect(await runWith(plugin, document, { n: 100 })).toBe(100);
    expect(await runWith(plugin, document, { n: 10 })).toBe("accepted");
  });

  it("ignores variables an operation without variables does not declare", async () => {
    const document = parse("{ cases(first: 100) { edges { node { id } } } }");
    expect(await check(50, document, { n: 1 })).toBe(100);
    expect(await check(500, document, { n: 1000 })).toBe("accepted");
  });
});
