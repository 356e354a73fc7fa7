import fc from "fast-check";
import { buildClientSchema, getIntrospectionQuery, getNamedType, type GraphQLInputType, GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull, type GraphQLSchema, isLeafType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseEventEntity } from "../../subgraphs/cases/case-event/case-event.entity.js";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";

/** Values that break naive code: any Unicode, NUL bytes, huge and negative numbers, long lists. */
function arbitraryFor(type: GraphQLInputType, ids: string[], depth = 0): fc.Arbitrary<unknown> {
  if (type instanceof GraphQLNonNull) return arbitraryFor(type.ofType, ids, depth);
  const nullable = (a: fc.Arbitrary<unknown>) => fc.oneof({ weight: 5, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) });
  if (type instanceof GraphQLList) return nullable(fc.array(arbitraryFor(type.ofType, ids, depth + 1), { maxLength: depth ? 3 : 40 }));
  if (type instanceof GraphQLEnumType) return nullable(fc.constantFrom(...type.getValues().map((v) => v.name)));
  if (type instanceof GraphQLInputObjectType) {
    const fields = Object.fromEntries(Object.values(type.getFields()).map((field) => [field.name, arbitraryFor(field.type, ids, depth + 1)]));
    return nullable(
      fc.record(fields, {
        requiredKeys: Object.values(type.getFields())
          .filter((f) => f.type instanceof GraphQLNonNull)
          .map((f) => f.name),
      }),
    );
  }
  const scalar = type;
  const text = fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.constantFrom("", " ", "\u0000", "x".repeat(40_000), "a@b.example", "C-2026-000001", "🔥".repeat(300)));
  switch (scalar.name) {
    case "Int":
      return nullable(fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31))));
    case "Float":
      return nullable(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(1e308, -1e308)));
    case "Boolean":
      return nullable(fc.boolean());
    case "ID":
      return fc.oneof(fc.constantFrom(...ids), text);
    case "DateTime":
      return nullable(
        fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          text,
        ),
      );
    default:
      return nullable(text);
  }
}

/** Fault tolerance: generated input for every mutation of the public schema, through the gateway. */
describe.each(DATABASES)("fuzzing every mutation on %s", (database) => {
  let graph: TestGraph;
  let schema: GraphQLSchema;
  let tokens: string[];
  const ids: string[] = ["acme", "globex", "acme-endpoint", "00000000-0000-0000-0000-000000000000"];

  beforeAll(async () => {
    graph = await startGraph({ database });
    const engineer = await graph.tokenFor("engineer@support.example");
    const acme = await graph.tokenFor("customer@acme.example");
    tokens = [acme, engineer];
    const introspection = await graph.request({ query: getIntrospectionQuery(), token: engineer });
    schema = buildClientSchema(introspection.data as never);
    const api = caseApi(graph);
    for (const input of [{}, { inquiryType: "THREAT", threatCategory: "INFECTION_ANALYSIS" }]) {
      ids.push((await api.create(acme, input)).data!.createCase.case.id);
    }
  });
  afterAll(() => graph?.stop());

  it("never answers INTERNAL_SERVER_ERROR or 5xx, and leaves no half-written case", async () => {
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.map((m) => m.name)).toEqual(expect.arrayContaining(["createCase", "updateCase", "closeCase", "addCaseUpdate", "setCaseSubStatus"]));
    for (const mutation of mutations) {
      // Uploads need a multipart request: their tests live with the attachments.
      const usesUpload = mutation.args.some((arg) => {
        const named = getNamedType(arg.type);
        return named.name === "Upload" || (named instanceof GraphQLInputObjectType && Object.values(named.getFields()).some((f) => getNamedType(f.type).name === "Upload"));
      });
      if (usesUpload) continue;
      // Every argument generated (most take one `input`; some an id and an input, or ids alone).
      const variables = mutation.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
      const passed = mutation.args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
      const selection = isLeafType(getNamedType(mutation.type)) ? "" : "{ __typename }";
      const query = mutation.args.length ? `mutation(${variables}) { ${mutation.name}(${passed}) ${selection} }` : `mutation { ${mutation.name} ${selection} }`;
      const values = fc.record(Object.fromEntries(mutation.args.map((arg) => [arg.name, arbitraryFor(arg.type, ids)])));
      await fc.assert(
        fc.asyncProperty(values, fc.constantFrom(...tokens), async (value, token) => {
          const response = await graph.request({ query, variables: value, token });
          expect(response.status, mutation.name).toBeLessThan(500);
          for (const error of response.errors ?? []) {
            expect(error.extensions?.code, `${mutation.name}: ${error.message}`).not.toBe("INTERNAL_SERVER_ERROR");
          }
        }),
        { numRuns: 25 },
      );
    }
    // Every case was written whole: its creation events are there and its updates point at it.
    const cases = await graph.cases.dataSource.getRepository(CaseEntity).find();
    const events = await graph.cases.dataSource.getRepository(CaseEventEntity).find();
    const updates = await graph.cases.dataSource.getRepository(CaseUpdateEntity).find();
    const caseIds = new Set(cases.map((c) => c.id));
    for (const c of cases) expect(events.filter((e) => e.caseId === c.id && e.field === "status" && e.oldValue === null)).toHaveLength(1);
    for (const event of events) expect(caseIds.has(event.caseId)).toBe(true);
    for (const update of updates) expect(caseIds.has(update.caseId)).toBe(true);
  }, 240_000);
});
