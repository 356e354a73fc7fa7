import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataSource } from "./database.js";
import { forbidden } from "./errors.js";
import { IDENTITY_HEADER, signIdentity } from "./identity.js";
import { createLogger } from "./logger.js";
import type { Principal } from "./principal.js";
import { createSubgraphServer, type SubgraphServer } from "./subgraph-server.js";

const KEYS = generateKeyPairSync("ed25519");
const partnerKey: Principal = { kind: "apiKey", id: "key_abc", name: "Initech (API key csk_AbCd1234)", role: "partner", partnerId: "initech", organizationIds: ["acme"], scopes: ["cases:read"] };

describe("audit log of authorization denials in every subgraph", () => {
  const dir = mkdtempSync(join(tmpdir(), "casegraph-audit-"));
  const logFile = join(dir, "subgraph.log");
  const dataSource = createDataSource({ sqlitePath: ":memory:", entities: [], migrations: [] });
  let server: SubgraphServer;
  let url: string;

  beforeAll(async () => {
    await dataSource.initialize();
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: "Query",
        fields: {
          allowed: { type: GraphQLString, resolve: () => "yes" },
          engineersOnly: {
            type: GraphQLString,
            resolve: () => {
              throw forbidden("Only support engineers move sub-statuses");
            },
          },
        },
      }),
    });
    server = await createSubgraphServer({ name: "audit", schema, dataSource, identityPublicKey: KEYS.publicKey, logger: createLogger("audit", "info", logFile), buildContext: (base) => base });
    url = await server.listen(0);
  });
  afterAll(async () => {
    await server?.stop();
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(query: string, identity?: string) {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(identity ? { [IDENTITY_HEADER]: identity } : {}) }, body: JSON.stringify({ query }) });
    return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>; errors: { extensions: { code: string } }[] } };
  }
  const lines = () =>
    readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  it("logs who was refused what on FORBIDDEN, and nothing for allowed requests", async () => {
    const identity = signIdentity(partnerKey, ["audit"], KEYS.privateKey);
    expect((await post("{ allowed }", identity)).body.data?.allowed).toBe("yes");
    expect(lines().filter((l) => l.event === "authorization_denied")).toEqual([]);
    const denied = await post("query SetStatus { engineersOnly }", identity);
    expect(denied.body.errors[0]!.extensions.code).toBe("FORBIDDEN");
    expect(lines()).toContainEqual(
      expect.objectContaining({
        event: "authorization_denied",
        principal: { kind: "apiKey", id: "key_abc", role: "partner", partnerId: "initech" },
        operationName: "SetStatus",
        path: ["engineersOnly"],
      }),
    );
  });

  it("logs calls without a valid identity token (a subgraph port reached directly), without the token", async () => {
    const forged = signIdentity(partnerKey, ["another-subgraph"], KEYS.privateKey);
    expect((await post("{ allowed }", forged)).status).toBe(401);
    expect(lines()).toContainEqual(expect.objectContaining({ event: "authentication_failed", reason: "invalid_identity_token" }));
    expect(readFileSync(logFile, "utf8")).not.toContain(forged);
  });
});
