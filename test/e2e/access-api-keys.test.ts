import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runApiKeyCommand } from "../../gateway/access/api-key.cli.js";
import { ApiKey } from "../../gateway/access/api-key.entity.js";
import { hashApiKey } from "../../gateway/access/api-key.format.js";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { openGatewayDatabase } from "../../gateway/access/gateway-database.js";
import { type GatewayConfig, gatewayConfig } from "../../gateway/config.js";
import { createGateway, type Gateway } from "../../gateway/gateway.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { SCOPES } from "../../subgraphs/kit/principal.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { postGraphQL, startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { TEST_KEY_ENV } from "../support/identity-keys.js";

const LIST = { query: "{ cases(first: 1) { totalCount } }" };

describe.each(DATABASES)("partner API keys on %s", (database) => {
  let graph: TestGraph;
  let logDir: string;
  let gatewayLog: string;
  let cliLog: string;
  let config: GatewayConfig;
  let cliDatabase: DataSource;

  /** `npm run apikey -- ...` in-process, on its own connection to the gateway's database, as the CLI runs. */
  async function apikey(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const logger = createLogger("apikey", "info", cliLog);
    const keys = new ApiKeyService(cliDatabase, { logger, rotationGraceSeconds: config.apiKeyRotationGraceSeconds });
    const code = await runApiKeyCommand(argv, { keys, dataSource: cliDatabase, logger, actor: "test-admin", output: { out: (l) => out.push(l), err: (l) => err.push(l) } });
    return { code, out, err };
  }

  const withKey = (key: string, url = graph.gatewayUrl) => postGraphQL(url, LIST, apiKeyHeader(key));

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), "casegraph-keys-"));
    gatewayLog = join(logDir, "gateway.log");
    cliLog = join(logDir, "apikey.log");
    graph = await startGraph({ database, env: { LOG_FILE: gatewayLog, LOG_LEVEL: "info" } });
    const options = graph.gateway.dataSource.options as { url?: string; database?: string };
    // The configuration a second replica (and the CLI) would have: the same database, the same subgraphs.
    config = gatewayConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      JWT_SECRET: TEST_JWT_SECRET,
      ...TEST_KEY_ENV,
      CASES_URL: graph.urls.cases,
      ATTACHMENTS_URL: graph.urls.attachments,
      THREATS_URL: graph.urls["threat-analysis"],
      ...(options.url ? { GATEWAY_DATABASE_URL: options.url } : { DATA_DIR: dirname(options.database!) }),
    });
    cliDatabase = await openGatewayDatabase(config);
  });
  afterAll(async () => {
    await cliDatabase?.destroy();
    await graph?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it("creates a key with the CLI, prints it once, and lists it by id and display prefix", async () => {
    const created = await apikey("create", "--partner", "initech", "--scopes", "cases:read,cases:write", "--label", "ticket sync");
    expect(created.code).toBe(0);
    expect(created.out).toHaveLength(1);
    const key = created.out[0]!;
    expect(key).toMatch(/^csk_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect((await withKey(key)).status).toBe(200);

    const record = await cliDatabase.getRepository(ApiKey).findOneByOrFail({ hash: hashApiKey(key) });
    const listed = await apikey("list", "--partner", "initech");
    const line = listed.out.find((l) => l.startsWith(`${record.id}  ${key.slice(0, 12)}  `));
    expect(line).toContain("active");
    expect(line).toContain("scopes=cases:read,cases:write");
    expect(listed.out.join("\n")).not.toContain(key);
  });

  it("refuses to limit a key to an organization its partner does not manage", async () => {
    const refused = await apikey("create", "--partner", "initech", "--scopes", "cases:read", "--orgs", "acme,globex");
    expect(refused.code).toBe(1);
    expect(refused.err.join("\n")).toContain("does not manage globex");
    expect(refused.out).toEqual([]);
    expect((await apikey("create", "--partner", "initech", "--scopes", "cases:fly")).code).toBe(1);
    expect((await apikey("create", "--partner", "nobody", "--scopes", "cases:read")).code).toBe(1);
    expect((await apikey("create", "--partner", "initech", "--scopes", "cases:read", "--expires", "2001-01-01")).code).toBe(1);
  });

  it("keeps partners as records: partner add replaces the managed organizations, partner list shows them", async () => {
    expect((await apikey("partner", "add", "hooli", "--name", "Hooli MSP", "--orgs", "globex,acme")).code).toBe(0);
    expect((await apikey("partner", "list")).out).toContain('hooli  "Hooli MSP"  orgs=acme,globex');
    const key = (await apikey("create", "--partner", "hooli", "--scopes", "cases:read")).out[0]!;
    const all = await postGraphQL(graph.gatewayUrl, { query: '{ cases(first: 1, filter: { organizationId: "globex" }) { totalCount } }' }, apiKeyHeader(key));
    expect(all.errors).toBeUndefined();
    // Dropping globex from the partner takes it from its keys from the next request on.
    expect((await apikey("partner", "add", "hooli", "--orgs", "acme")).out).toEqual(['hooli  "Hooli MSP"  orgs=acme']);
    expect((await apikey("partner", "add", "hooli", "--name", "Hooli")).out).toEqual(['hooli  "Hooli"  orgs=acme']);
    const created = await graph.request({
      query: "mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } } }",
      variables: { input: { title: "Globex server", description: "d", inquiryType: "PRODUCT", problemCategory: "CONFIGURATION", productProfileId: "globex-server", severity: "LOW", contactName: "Hank" } },
      token: await graph.tokenFor("customer@globex.example"),
    });
    const globexCase = created.data!.createCase.case.id;
    const seen = await postGraphQL<any>(graph.gatewayUrl, { query: "query($id: ID!) { case(id: $id) { id } }", variables: { id: globexCase } }, apiKeyHeader(key));
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.case).toBeNull();
  });

  it("refuses a revoked key from the next request on, on every gateway replica", async () => {
    const key = (await apikey("create", "--partner", "initech", "--scopes", "cases:read")).out[0]!;
    const replica: Gateway = await createGateway(config);
    try {
      const replicaUrl = await replica.listen(0);
      expect((await withKey(key)).status).toBe(200);
      expect((await withKey(key, replicaUrl)).status).toBe(200);
      const { id } = await cliDatabase.getRepository(ApiKey).findOneByOrFail({ hash: hashApiKey(key) });
      expect((await apikey("revoke", id)).code).toBe(0);
      expect((await withKey(key)).status).toBe(401);
      expect((await withKey(key, replicaUrl)).status).toBe(401);
    } finally {
      await replica.stop();
    }
  });

  it("rotation: the new key works at once, the old one until rotation time + the grace period (24 h by default)", async () => {
    expect(config.apiKeyRotationGraceSeconds).toBe(86_400);
    const old = (await apikey("create", "--partner", "initech", "--scopes", "cases:read", "--orgs", "acme")).out[0]!;
    const { id } = await cliDatabase.getRepository(ApiKey).findOneByOrFail({ hash: hashApiKey(old) });
    const before = Date.now();
    const rotated = await apikey("rotate", id);
    expect(rotated.code).toBe(0);
    const fresh = rotated.out[0]!;
    expect(fresh).not.toBe(old);
    expect((await withKey(fresh)).status).toBe(200);
    expect((await withKey(old)).status).toBe(200);

    const previous = await cliDatabase.getRepository(ApiKey).findOneByOrFail({ id });
    const successor = await cliDatabase.getRepository(ApiKey).findOneByOrFail({ hash: hashApiKey(fresh) });
    expect(previous.replacedById).toBe(successor.id);
    expect(previous.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(previous.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect([successor.scopes, successor.organizationIds, successor.expiresAt]).toEqual([["cases:read"], ["acme"], null]);
    expect((await apikey("rotate", id)).code).toBe(1);
  });

  it("rotation: once the grace period has passed, the old key is refused and the new one still works", async () => {
    const grace = config.apiKeyRotationGraceSeconds * 1000;
    const { key: old, record } = await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"] });
    // Rotated just over a grace period ago.
    const { key: fresh } = await apiKeysOf(graph, { clock: () => new Date(Date.now() - grace - 1_000), rotationGraceSeconds: config.apiKeyRotationGraceSeconds }).rotate(record.id);
    expect((await withKey(old)).status).toBe(401);
    expect((await withKey(fresh)).status).toBe(200);
  });

  it("answers malformed, unknown, revoked and expired keys, and no credentials, with one identical 401", async () => {
    const keys = apiKeysOf(graph);
    const valid = (await keys.create({ partnerId: "initech", scopes: ["cases:read"] })).key;
    const revoked = await keys.create({ partnerId: "initech", scopes: ["cases:read"] });
    await keys.revoke(revoked.record.id);
    const expired = await apiKeysOf(graph, { clock: () => new Date(Date.now() - 120_000) }).create({ partnerId: "initech", scopes: ["cases:read"], expiresAt: new Date(Date.now() - 60_000) });
    const unknown = (await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"] })).key;
    await cliDatabase.getRepository(ApiKey).delete({ hash: hashApiKey(unknown) });
    const malformed = `${valid.slice(0, -1)}${valid.endsWith("a") ? "b" : "a"}`;
    const bodies = new Set<string>();
    for (const headers of [apiKeyHeader(malformed), apiKeyHeader(unknown), apiKeyHeader(revoked.key), apiKeyHeader(expired.key), apiKeyHeader(""), {}]) {
      const response = await fetch(graph.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(LIST) });
      expect(response.status).toBe(401);
      bodies.add(await response.text());
    }
    expect(bodies.size).toBe(1);
    expect(JSON.parse([...bodies][0]!).errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a request that carries both a bearer token and an API key (one credential per request)", async () => {
    const key = (await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"] })).key;
    const token = await graph.tokenFor("customer@acme.example");
    const both = await postGraphQL(graph.gatewayUrl, LIST, { ...apiKeyHeader(key), authorization: `Bearer ${token}` });
    expect(both.status).toBe(401);
    expect((await withKey(key)).status).toBe(200);
  });

  it("records the last use of a key at most once a minute", async () => {
    const { key, record } = await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"] });
    const repository = cliDatabase.getRepository(ApiKey);
    expect(record.lastUsedAt).toBeNull();
    await withKey(key);
    const first = (await repository.findOneByOrFail({ id: record.id })).lastUsedAt;
    expect(first).not.toBeNull();
    await withKey(key);
    expect((await repository.findOneByOrFail({ id: record.id })).lastUsedAt).toEqual(first);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await repository.update({ id: record.id }, { lastUsedAt: twoMinutesAgo });
    await withKey(key);
    expect((await repository.findOneByOrFail({ id: record.id })).lastUsedAt!.getTime()).toBeGreaterThan(twoMinutesAgo.getTime() + 60_000);
  });

  it("never writes a key or token in clear to the logs or the database; the audit log names key ids", async () => {
    const created = await apikey("create", "--partner", "initech", "--scopes", "cases:read");
    const first = created.out[0]!;
    const { id } = await cliDatabase.getRepository(ApiKey).findOneByOrFail({ hash: hashApiKey(first) });
    expect((await withKey(first)).status).toBe(200);
    const second = (await apikey("rotate", id)).out[0]!;
    const { id: secondId } = await cliDatabase.getRepository(ApiKey).findOneByOrFail({ hash: hashApiKey(second) });
    await apikey("revoke", secondId);
    expect((await withKey(second)).status).toBe(401);
    expect((await withKey(`${first}x`)).status).toBe(401);
    const badToken = `${await graph.tokenFor("customer@acme.example")}x`;
    expect((await graph.request({ ...LIST, token: badToken })).status).toBe(401);

    const secrets = [first, second, first.slice(4, 36), second.slice(4, 36), badToken];
    const gatewayLines = readFileSync(gatewayLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const cliLines = readFileSync(cliLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const text of [readFileSync(gatewayLog, "utf8"), readFileSync(cliLog, "utf8")]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(cliLines).toContainEqual(expect.objectContaining({ event: "api_key_created", keyId: id, actor: "test-admin", displayPrefix: first.slice(0, 12) }));
    expect(cliLines).toContainEqual(expect.objectContaining({ event: "api_key_rotated", keyId: secondId, previousKeyId: id }));
    expect(cliLines).toContainEqual(expect.objectContaining({ event: "api_key_revoked", keyId: secondId }));
    expect(gatewayLines).toContainEqual(expect.objectContaining({ event: "authentication_failed", failure: "revoked_api_key", keyId: secondId, partnerId: "initech" }));
    expect(gatewayLines).toContainEqual(expect.objectContaining({ event: "authentication_failed", failure: "malformed_api_key" }));
    expect(gatewayLines).toContainEqual(expect.objectContaining({ event: "authentication_failed", failure: "invalid_bearer_token" }));

    const rows: Record<string, unknown>[] = await cliDatabase.query("SELECT * FROM api_keys");
    const dump = JSON.stringify(rows);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    const row = rows.find((r) => r.id === id)!;
    expect(row.hash).toBe(hashApiKey(first));
    expect(row.display_prefix).toBe(first.slice(0, 12));
  });
});

describe("demo data", () => {
  it("creates one initech key with every scope on first start, and none on later starts", async () => {
    const { createDemoApiKeyOnce } = await import("../../gateway/access/demo-api-key.js");
    const dataDir = mkdtempSync(join(tmpdir(), "casegraph-demo-key-"));
    try {
      const config = gatewayConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dataDir });
      const key = await createDemoApiKeyOnce(config);
      expect(key).toMatch(/^csk_/);
      expect(await createDemoApiKeyOnce(config)).toBeNull();
      const dataSource = await openGatewayDatabase(config);
      try {
        const keys = await dataSource.getRepository(ApiKey).find();
        expect(keys.map((k) => [k.partnerId, k.scopes, k.organizationIds, k.hash])).toEqual([["initech", [...SCOPES], null, hashApiKey(key!)]]);
      } finally {
        await dataSource.destroy();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
