import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_JWT_SECRET } from "../support/graph.js";
import type { HostileSuite } from "../support/hostile.js";
import { type RawResponse, rawPost, sendRaw } from "../support/raw-http.js";

const base64url = (text: string) => Buffer.from(text).toString("base64url");

/** An HS256 token over exactly these header and payload texts, signed with the test graph's secret unless told otherwise (jose would refuse to sign most of them). */
function signed(payloadJson: string, headerJson = '{"alg":"HS256","typ":"JWT"}', secret = TEST_JWT_SECRET): string {
  const input = `${base64url(headerJson)}.${base64url(payloadJson)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** Credentials in headers that no identity provider issues; each must end at 401 before anything is read. */
export function headerAttacks(current: () => HostileSuite): void {
  describe("credential headers", () => {
    let suite: HostileSuite;
    beforeAll(() => {
      suite = current();
    });

    const QUERY = JSON.stringify({ query: "{ cases(first: 5) { totalCount edges { node { id } } } }" });
    /** Posts a query with these raw header lines (bytes as given: control characters, Latin-1). */
    const post = (...headerLines: (string | Buffer)[]): Promise<RawResponse> => sendRaw(suite.graph.gatewayUrl, (send) => send(rawPost(suite.graph.gatewayUrl, ["Content-Type: application/json", ...headerLines], QUERY)));
    const expectRefused = (responses: Record<string, RawResponse>, status: number, code: string) => {
      for (const [shape, response] of Object.entries(responses)) {
        expect([shape, response.status, response.code, response.headers["content-type"]]).toEqual([shape, status, code, expect.stringContaining("application/json")]);
        expect(response.body, shape).not.toContain('"data"');
      }
    };
    const inParallel = async (requests: Record<string, () => Promise<RawResponse>>) => Object.fromEntries(await Promise.all(Object.entries(requests).map(async ([shape, send]) => [shape, await send()] as const)));

    it("refuses a 64 KB Authorization header with 431 BAD_REQUEST as JSON, before authentication reads it", async () => {
      const { result } = await suite.underAttack("64 KB Authorization", () => inParallel({ "64 KB": () => post(`Authorization: Bearer ${"a".repeat(64 * 1024)}`) }));
      expectRefused(result, 431, "BAD_REQUEST");
    });

    it("answers every malformed JWT shape with 401 UNAUTHENTICATED", async () => {
      const claims = { sub: "u-engineer", name: "Kenji Sato", email: "engineer@support.example", role: "engineer", exp: Math.floor(Date.now() / 1000) + 3600 };
      const payload = JSON.stringify(claims);
      const shapes: Record<string, string> = {
        empty: "Authorization: ",
        "scheme only": "Authorization: Bearer",
        "scheme and a space": "Authorization: Bearer ",
        "another scheme": `Authorization: Basic ${base64url("engineer:password")}`,
        "one part": "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9",
        "two parts": `Authorization: Bearer ${base64url('{"alg":"HS256"}')}.${base64url(payload)}`,
        "four parts": `Authorization: Bearer ${signed(payload)}.extra`,
        "two tokens": `Authorization: Bearer ${signed(payload)} ${signed(payload)}`,
        "not base64url": "Authorization: Bearer !!!.@@@.###",
        "alg none, no signature": `Authorization: Bearer ${base64url('{"alg":"none"}')}.${base64url(payload)}.`,
        "alg none, any signature": `Authorization: Bearer ${base64url('{"alg":"none"}')}.${base64url(payload)}.${base64url("x")}`,
        "HS512 (not the configured algorithm)": `Authorization: Bearer ${signed(payload, '{"alg":"HS512"}')}`,
        "RS256 header over an HMAC signature (algorithm confusion)": `Authorization: Bearer ${signed(payload, '{"alg":"RS256"}')}`,
        "a 12 KB header, forged": `Authorization: Bearer ${signed(payload, JSON.stringify({ alg: "HS256", pad: "x".repeat(9_000) }), "a-guessed-secret")}`,
        "a critical header extension": `Authorization: Bearer ${signed(payload, '{"alg":"HS256","crit":["x"],"x":1}')}`,
        "header JSON an array": `Authorization: Bearer ${signed(payload, '["HS256"]')}`,
        "header not JSON": `Authorization: Bearer ${signed(payload, "{alg:HS256")}`,
        "payload JSON a string": `Authorization: Bearer ${signed('"engineer"')}`,
        "payload JSON an array": `Authorization: Bearer ${signed("[1,2]")}`,
        "payload JSON null": `Authorization: Bearer ${signed("null")}`,
        "payload not JSON": `Authorization: Bearer ${signed("{not json")}`,
        "payload nested 2,000 deep": `Authorization: Bearer ${signed(`${'{"a":'.repeat(2_000)}1${"}".repeat(2_000)}`)}`,
        "signed with another secret": `Authorization: Bearer ${signed(payload, undefined, "a-guessed-secret")}`,
        "signature cut short": `Authorization: Bearer ${signed(payload).slice(0, -4)}`,
      };
      const { result } = await suite.underAttack("malformed JWTs", () => inParallel(Object.fromEntries(Object.entries(shapes).map(([shape, line]) => [shape, () => post(line)]))));
      expectRefused(result, 401, "UNAUTHENTICATED");
    });

    it("answers validly signed tokens whose required claims are missing or of the wrong type with 401 UNAUTHENTICATED", async () => {
      const exp = Math.floor(Date.now() / 1000) + 3600;
      const customer = { sub: "u-acme-customer", name: "Aiko Tanaka", role: "customer", org: "acme", exp };
      const wrong: Record<string, unknown> = {
        "sub a number": { ...customer, sub: 42 },
        "sub missing": { ...customer, sub: undefined },
        "role an array": { ...customer, role: ["engineer"] },
        "role unknown": { ...customer, role: "admin" },
        "org an object": { ...customer, org: { id: "acme" } },
        "org missing for a customer": { ...customer, org: undefined },
        "partner missing for a partner": { ...customer, role: "partner", org: undefined },
        "exp a string": { ...customer, exp: String(exp) },
        "exp missing": { ...customer, exp: undefined },
        "exp in the past": { ...customer, exp: 1_000 },
        "nbf in the future": { ...customer, nbf: exp },
      };
      const { result } = await suite.underAttack("wrongly typed claims", () =>
        inParallel(Object.fromEntries(Object.entries(wrong).map(([shape, claims]) => [shape, () => post(`Authorization: Bearer ${signed(JSON.stringify(claims))}`)]))),
      );
      expectRefused(result, 401, "UNAUTHENTICATED");
    });

    it("answers malformed X-API-Key values with 401 UNAUTHENTICATED, and header bytes the HTTP parser refuses with 400 BAD_REQUEST as JSON", async () => {
      const { result } = await suite.underAttack("malformed API keys", async () => ({
        unauthenticated: await inParallel({
          empty: () => post("X-API-Key: "),
          "prefix only": () => post("X-API-Key: csk_"),
          "10 KB": () => post(`X-API-Key: csk_${"A".repeat(10_000)}`),
          "wrong checksum": () => post(`X-API-Key: csk_${"A".repeat(32)}_AAAAAA`),
          "Latin-1 bytes": () => post(Buffer.concat([Buffer.from("X-API-Key: csk_"), Buffer.from([0xe9, 0xff, 0xfe])])),
          "sent twice": () => post(`X-API-Key: csk_${"A".repeat(32)}_AAAAAA`, `X-API-Key: csk_${"B".repeat(32)}_AAAAAA`),
          "with a bearer token too": () => post(`X-API-Key: csk_${"A".repeat(32)}_AAAAAA`, "Authorization: Bearer x.y.z"),
        }),
        badRequest: await inParallel({
          "a control character": () => post("X-API-Key: csk_\u0001abc"),
          "a NUL byte": () => post("X-API-Key: csk_\u0000abc"),
          "a bare line feed in Authorization": () => post("Authorization: Bearer a\nX-Injected: 1"),
        }),
      }));
      expectRefused(result.unauthenticated, 401, "UNAUTHENTICATED");
      expectRefused(result.badRequest, 400, "BAD_REQUEST");
    });
  });
}
