import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloGateway } from "@apollo/gateway";
import { type GraphQLSchema, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_QUERY } from "../../test/support/dashboard.js";
import { operationCost } from "./query-cost.js";

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
