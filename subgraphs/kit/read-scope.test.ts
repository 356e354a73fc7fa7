import "reflect-metadata";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { GraphQLError, type GraphQLResolveInfo, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { buildAttachmentsSchema } from "../attachments/attachments-subgraph.js";
import { buildCasesSchema } from "../cases/cases-subgraph.js";
import { buildThreatsSchema } from "../threat-analysis/threats-subgraph.js";
import { type Principal, SCOPES } from "./principal.js";
import { requireReadScopeOnQueries } from "./read-scope.js";

const withoutRead: Principal = { kind: "apiKey", id: "k", name: "key", role: "partner", partnerId: "initech", organizationIds: ["acme"], scopes: SCOPES.filter((scope) => scope !== "cases:read") };

/** Calls a root query field's resolver as `principal`; the scope check runs before the resolver reads anything. */
function callRootField(schema: Awaited<ReturnType<typeof buildCasesSchema>>, name: string, principal: Principal): unknown {
  const field = schema.getQueryType()!.getFields()[name]!;
  try {
    const result = field.resolve!(undefined, {}, { principal }, {} as GraphQLResolveInfo);
    // An exempt field's resolver runs and fails without a real context: only whether it was refused matters.
    if (result instanceof Promise) result.catch(() => undefined);
    return result;
  } catch (error) {
    return error;
  }
}

describe("cases:read on every root query field of every subgraph", () => {
  it.each([
    ["cases", buildCasesSchema, ["caseAccess", "caseFeedSince", "_service"]],
    ["attachments", buildAttachmentsSchema, ["attachmentFacts", "_service"]],
    ["threat-analysis", buildThreatsSchema, ["_service"]],
  ] as const)("%s: every root query field but the subgraph-to-subgraph ones refuses a principal without cases:read", async (_name, build, exempt) => {
    const schema = await build();
    const names = Object.keys(schema.getQueryType()!.getFields());
    expect(names).toContain("_entities");
    const open = names.filter((name) => {
      const outcome = callRootField(schema, name, withoutRead);
      return !(outcome instanceof GraphQLError && outcome.extensions.code === "FORBIDDEN");
    });
    expect(open.sort()).toEqual([...exempt].sort());
  });

  it("refuses to exempt a root field that clients can reach (not @inaccessible)", () => {
    const schema = buildSubgraphSchema({ typeDefs: parse("type Query { cases: Int }"), resolvers: { Query: { cases: () => 1 } } });
    expect(() => requireReadScopeOnQueries(schema, ["cases"])).toThrow(/cases .* must be an @inaccessible root query field/);
  });
});
