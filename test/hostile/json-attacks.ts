import { beforeAll, describe, expect, it } from "vitest";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import type { HostileSuite } from "../support/hostile.js";
import { rawPost, sendRaw } from "../support/raw-http.js";

/** Hostile JSON bodies: sizes, nesting, numbers and bytes the gateway must refuse before they cost anything. */
export function jsonAttacks(current: () => HostileSuite): void {
  describe("JSON bodies", () => {
    let suite: HostileSuite;
    let auth: string;
    beforeAll(() => {
      suite = current();
      auth = `Authorization: Bearer ${suite.attacker.token}`;
    });

    /** Posts JSON text exactly as given (so that it may be deeper than JSON.stringify can write, or not UTF-8). */
    const post = (body: string | Buffer, headers: string[] = []) => sendRaw(suite.graph.gatewayUrl, (send) => send(rawPost(suite.graph.gatewayUrl, ["Content-Type: application/json", auth, ...headers], body)));
    const operation = (query: string, variablesJson?: string) => `{"query":${JSON.stringify(query)}${variablesJson ? `,"variables":${variablesJson}` : ""}}`;
    const caseCount = async () => (await suite.graph.request({ query: "{ cases(first: 1) { totalCount } }", token: suite.attacker.token })).data!.cases.totalCount as number;

    it("refuses a 1 MB query (half a million tokens, or one long comment, or one long string) with 400 QUERY_TOO_COMPLEX, with or without an Idempotency-Key", async () => {
      const { result } = await suite.underAttack("1 MB query", async () => [
        await post(operation(`{ ${"a ".repeat(500_000)}}`)),
        await post(operation(`mutation { ${"a ".repeat(500_000)}}`), ["Idempotency-Key: hostile-1mb"]),
        await post(operation(`#${"x".repeat(1_000_000)}\n{ cases(first: 1) { totalCount } }`)),
        await post(operation(`{ cases(filter: { search: "${"x".repeat(1_000_000)}" }) { totalCount } }`)),
      ]);
      for (const response of result) expect([response.status, response.code]).toEqual([400, "QUERY_TOO_COMPLEX"]);
    });

    it("answers a 1 MB string in a variable with BAD_USER_INPUT from the cases subgraph (a search is at most 200 characters)", async () => {
      const { result } = await suite.underAttack("1 MB variable", () => post(operation("query($s: String) { cases(filter: { search: $s }) { totalCount } }", JSON.stringify({ s: "x".repeat(1_000_000) }))));
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.search" });
    });

    it("refuses a body over the 1 MB JSON limit with 413 BAD_REQUEST", async () => {
      const { result } = await suite.underAttack("2 MB body", () => post(operation("{ cases(first: 1) { totalCount } }", JSON.stringify({ padding: "x".repeat(2_000_000) }))));
      expect([result.status, result.code]).toEqual([413, "BAD_REQUEST"]);
    });

    it("refuses variables nested 10,000 levels deep with 400 BAD_REQUEST before JSON.parse, on queries and on mutations with an Idempotency-Key", async () => {
      const deepObject = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
      const deepList = `${"[".repeat(10_000)}"HIGH"${"]".repeat(10_000)}`;
      const { result } = await suite.underAttack("variables nested 10,000 deep", async () => [
        await post(operation("query($f: CaseFilter) { cases(filter: $f) { totalCount } }", `{"f":{"search":${deepObject}}}`)),
        await post(operation("query($f: CaseFilter) { cases(filter: $f) { totalCount } }", `{"f":{"severity":${deepList}}}`)),
        await post(operation("{ cases(first: 1) { totalCount } }", `{"unused":${deepObject}}`)),
        await post(operation("mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { id } } }", `{"input":${deepObject}}`), ["Idempotency-Key: hostile-deep"]),
      ]);
      for (const response of result) expect([response.status, response.code, response.body]).toEqual([400, "BAD_REQUEST", expect.stringContaining("deeper than")]);
    });

    it("answers huge numbers (1e400, 2^64, 400 digits, 1.5) in Int and ID variables with 400 BAD_USER_INPUT, -0 and -1 as `first` with BAD_USER_INPUT, and changes nothing", async () => {
      const CASES = "query($n: Int) { cases(first: $n) { totalCount } }";
      const CASE = "query($id: ID!) { case(id: $id) { id } }";
      const CLOSE = "mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { id status } } }";
      const huge = ["1e400", "18446744073709551616", "9".repeat(400), "-1e400", "1.5"];
      const { result } = await suite.underAttack("huge numbers", async () => ({
        first: await Promise.all(huge.map((n) => post(operation(CASES, `{"n":${n}}`)))),
        ids: await Promise.all(huge.filter((n) => n !== "18446744073709551616").map((n) => post(operation(CASE, `{"id":${n}}`)))),
        version: await post(operation(CLOSE, `{"input":{"caseId":"${suite.attacker.productCaseId}","expectedVersion":18446744073709551616}}`)),
        small: await Promise.all(["-0", "-1", "0"].map((n) => post(operation(CASES, `{"n":${n}}`)))),
        bigId: await post(operation(CASE, '{"id":18446744073709551616}')),
        longId: await post(operation(CASE, `{"id":"${"9".repeat(10_000)}"}`)),
        literal: await post(operation("{ cases(first: 99999999999999999999) { totalCount } }")),
      }));
      for (const response of [...result.first, ...result.ids, result.version]) expect([response.status, response.code]).toEqual([400, "BAD_USER_INPUT"]);
      for (const response of result.small) {
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
      }
      // 2^64 is an integer, so a valid ID ("18446744073709552000"): no such case, as for any unknown id.
      for (const response of [result.bigId, result.longId]) expect([response.status, JSON.parse(response.body)]).toEqual([200, { data: { case: null } }]);
      expect([result.literal.status, result.literal.code]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
      const still = await suite.graph.request({ query: "query($id: ID!) { case(id: $id) { status } }", variables: { id: suite.attacker.productCaseId }, token: suite.attacker.token });
      expect(still.data!.case.status).toBe("OPEN");
    });

    it("refuses a body with invalid UTF-8 bytes with 400 BAD_REQUEST instead of storing U+FFFD, and creates nothing", async () => {
      const before = await caseCount();
      const text = operation(CREATE_CASE, JSON.stringify({ input: { ...productCase, title: "BROKEN" } }));
      const [head, tail] = text.split("BROKEN");
      const withBytes = (bytes: number[]) => Buffer.concat([Buffer.from(head!), Buffer.from(bytes), Buffer.from(tail!)]);
      const { result } = await suite.underAttack("invalid UTF-8", async () => [
        await post(withBytes([0xff, 0xfe])),
        // An overlong encoding of "/", a lone surrogate (CESU-8), and a truncated sequence.
        await post(withBytes([0xc0, 0xaf])),
        await post(withBytes([0xed, 0xa0, 0x80])),
        await post(withBytes([0xe3, 0x81])),
      ]);
      for (const response of result) expect([response.status, response.code, response.body]).toEqual([400, "BAD_REQUEST", expect.stringContaining("UTF-8")]);
      expect(await caseCount()).toBe(before);
    });
  });
}
