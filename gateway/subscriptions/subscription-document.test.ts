import { buildSchema, type GraphQLSchema, parse, print, validate } from "graphql";
import { describe, expect, it } from "vitest";
import type { QueryLimits } from "../protection/query-limits.js";
import { queryShapeRules } from "../protection/query-limits.js";
import { prepareSubscription, type PreparedSubscription } from "./subscription-document.js";
import { servesCaseFeed, withSubscriptionType } from "./subscription-schema.js";

/** The part of the API schema subscriptions rely on. */
const API = buildSchema(`
  enum CaseFeedEventType { CASE_CREATED STATUS_CHANGED UPDATE_ADDED }
  type Actor { id: ID! name: String! }
  type File { verdict: String }
  type Analysis { files: [File!]! }
  type Case { id: ID! caseNumber: String! subStatus: String! threatAnalysis: Analysis }
  type CaseFeedEvent { id: ID! sequence: Int! type: CaseFeedEventType! caseId: ID! organizationId: ID! actor: Actor! case: Case }
  type Query { caseFeedEvent(id: ID!): CaseFeedEvent  case(id: ID!): Case }
`);
const LIMITS: QueryLimits = { maxDepth: 5, maxAliases: 15, maxDirectives: 50, maxTokens: 1_000, maxLength: 100_000, maxCost: 1_000 };
const schema: GraphQLSchema = withSubscriptionType(API);
const prepare = (query: string, variables?: Record<string, unknown>, operationName?: string, limits = LIMITS) => prepareSubscription(schema, { query, variables, operationName }, limits, queryShapeRules(limits));

function prepared(result: ReturnType<typeof prepare>): PreparedSubscription {
  if ("errors" in result) throw new Error(result.errors.map((e) => e.message).join("; "));
  return result;
}

describe("the subscription schema", () => {
  it("adds caseEvents and allCaseEvents on top of the API schema, only when the graph serves caseFeedEvent", () => {
    expect(Object.keys(schema.getSubscriptionType()!.getFields())).toEqual(["caseEvents", "allCaseEvents"]);
    expect(servesCaseFeed(buildSchema("type Query { a: Int }"))).toBe(false);
    expect(withSubscriptionType(buildSchema("type Query { a: Int }")).getSubscriptionType()).toBeUndefined();
  });
});

describe("prepareSubscription", () => {
  it("rewrites the subscription into caseFeedEvent(id:) under the client's response key, keeping its selection and fragments", () => {
    const result = prepared(
      prepare(
        `subscription Watch($caseId: ID!, $after: ID) { events: caseEvents(caseId: $caseId, after: $after, types: [STATUS_CHANGED]) { type ...C } }
         fragment C on CaseFeedEvent { case { caseNumber subStatus threatAnalysis { files { verdict } } } }
         query Other { case(id: 1) { ...Unused } }
         fragment Unused on Case { id }`,
        { caseId: "c1", after: "41" },
        "Watch",
      ),
    );
    expect(result.field).toBe("caseEvents");
    expect(result.responseKey).toBe("events");
    expect(result.args).toEqual({ caseId: "c1", after: "41", types: ["STATUS_CHANGED"] });
    // The subscription's own variables are gone (a query with unused variables is invalid), and so are the other operation and its fragment.
    expect(result.variables).toEqual({});
    expect(result.query).toBe(
      print(
        parse(`query Watch($caseFeedEventId: ID!) { events: caseFeedEvent(id: $caseFeedEventId) { type ...C } }
               fragment C on CaseFeedEvent { case { caseNumber subStatus threatAnalysis { files { verdict } } } }`),
      ),
    );
    expect(validate(API, parse(result.query))).toEqual([]);
  });

  it("keeps the variables the selection still uses, and picks an event variable name the client did not take", () => {
    const result = prepared(
      prepare("subscription($caseFeedEventId: ID!, $withCase: Boolean!) { allCaseEvents(after: $caseFeedEventId) { id case @include(if: $withCase) { caseNumber } } }", { caseFeedEventId: "7", withCase: true }),
    );
    expect(result.args).toEqual({ after: "7" });
    expect(result.eventVariable).toBe("caseFeedEventId2");
    expect(result.variables).toEqual({ withCase: true });
    expect(validate(API, parse(result.query))).toEqual([]);
  });

  it("refuses what a query would be refused for: depth, cost, unknown fields", () => {
    const deep = prepare("subscription { allCaseEvents { case { threatAnalysis { files { verdict } } } } }", {}, undefined, { ...LIMITS, maxDepth: 3 });
    expect("errors" in deep && deep.errors[0]!.extensions.code).toBe("QUERY_TOO_COMPLEX");
    const costly = prepare("subscription { allCaseEvents { case { threatAnalysis { files { verdict } } } } }", {}, undefined, { ...LIMITS, maxCost: 5 });
    expect("errors" in costly && costly.errors[0]!.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", cost: 13, limit: 5 });
    const unknown = prepare("subscription { allCaseEvents { nope } }");
    expect("errors" in unknown && unknown.errors[0]!.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("refuses an after that is no event id, and operations that are no subscription", () => {
    const bad = prepare('subscription { allCaseEvents(after: "yesterday") { id } }');
    expect("errors" in bad && bad.errors[0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    const query = prepare("{ case(id: 1) { id } }");
    expect("errors" in query && query.errors[0]!.message).toMatch(/Only subscriptions/);
  });
});
