import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { gatewayConfig } from "../../gateway/config.js";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AttachmentState } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import type { ReservationStep } from "../../subgraphs/cases/attachment-reservation/attachment-reservation.coordinator.js";
import { AttachmentReservationEntity, ReservationState } from "../../subgraphs/cases/attachment-reservation/attachment-reservation.entity.js";
import { retryDelayMs } from "../../subgraphs/cases/attachment-reservation/attachment-reservation.store.js";
import { casesConfig } from "../../subgraphs/cases/config.js";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { type Principal, RELAY_PRINCIPAL, RELAY_SCOPE, SCOPES } from "../../subgraphs/kit/principal.js";
import { ACK_RESERVATION_COMMANDS, CLAIM_RESERVATION_COMMANDS } from "../../subgraphs/kit/reservation-protocol.js";
import type { SubgraphName } from "../../subgraphs/kit/topology.js";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { type GraphQLResponse, postGraphQL, startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { attachmentRows, eventually, randomFile, upload } from "../support/uploads.js";

const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id attachments { id } } } }`;

/** Calls a subgraph directly, as the gateway would with `principal`'s identity. */
function asPrincipal(graph: TestGraph, subgraph: SubgraphName, principal: Principal, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<any>> {
  return postGraphQL(graph.urls[subgraph], { query, variables }, { [IDENTITY_HEADER]: signTestIdentity(principal, subgraph) });
}

describe.each(DATABASES)("the gateway's reservation relay on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let failAt: ReservationStep | null = null;
  let onStep: ((step: ReservationStep) => Promise<void>) | null = null;
  let offsetMs = 0;
  const extras: ExtraGateway[] = [];

  beforeAll(async () => {
    graph = await startGraph({
      database,
      clock: () => new Date(Date.now() + offsetMs),
      env: { MAX_FILES_PER_UPLOAD: "4" },
      casesFaults: async (step) => {
        await onStep?.(step);
        if (step === failAt) throw new Error(`injected failure after ${step}`);
      },
    });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterEach(async () => {
    failAt = null;
    onStep = null;
    await Promise.all(extras.splice(0).map((extra) => extra.stop()));
  });
  afterAll(() => graph?.stop());

  async function newCase(): Promise<string> {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme });
    expect(created.errors).toBeUndefined();
    return created.data!.createCase.case.id;
  }

  async function stage(caseId: string, count: number): Promise<string[]> {
    const uploaded = await upload(graph, { token: acme, input: { caseId }, files: Array.from({ length: count }, (_, i) => ({ name: `f${i}.log`, data: randomFile(500) })) });
    expect(uploaded.errors).toBeUndefined();
    return uploaded.data!.uploadAttachments.attachments.map((a: { id: string }) => a.id);
  }

  /** An update whose files' confirm did not get through: the update stands, its reservation waits COMMITTED for the relay. */
  async function updateWithUndeliveredConfirm(): Promise<{ caseId: string; updateId: string; ids: string[] }> {
    const caseId = await newCase();
    const ids = await stage(caseId, 2);
    failAt = "committed";
    const added = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "confirm lost", attachmentIds: ids } }, token: acme });
    failAt = null;
    expect(added.errors).toBeUndefined();
    return { caseId, updateId: added.data!.addCaseUpdate.update.id, ids };
  }

  async function reservationsOf(caseId: string) {
    return graph.cases.dataSource.getRepository(AttachmentReservationEntity).findBy({ caseId });
  }

  async function statesOf(ids: string[]) {
    const rows = await attachmentRows(graph);
    return ids.map((id) => rows.find((row) => row.id === id)!.state);
  }

  it("a confirm that did not get through: the update stands at once without the files, and the next relay pass attaches them", async () => {
    const { caseId, updateId, ids } = await updateWithUndeliveredConfirm();
    expect(await statesOf(ids)).toEqual([AttachmentState.RESERVED, AttachmentState.RESERVED]);
    const [pending] = await reservationsOf(caseId);
    expect(pending).toMatchObject({ state: ReservationState.COMMITTED, updateId });
    expect(pending!.lastError).toContain("injected failure");

    expect(await graph.gateway.relay.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
    expect(await statesOf(ids)).toEqual([AttachmentState.ATTACHED, AttachmentState.ATTACHED]);
    expect((await reservationsOf(caseId)).map((r) => r.state)).toEqual([ReservationState.CONFIRMED]);
    const listed = await graph.request({ query: "query($id: ID!) { case(id: $id) { updates(first: 5) { edges { node { id attachments { id } } } } } }", variables: { id: caseId }, token: acme });
    expect(listed.data!.case.updates.edges[0].node.attachments.map((a: { id: string }) => a.id).sort()).toEqual([...ids].sort());
    expect(await graph.gateway.relay.runOnce()).toEqual({ claimed: 0, delivered: 0, failed: 0 });
  });

  it("a command the attachments subgraph does not take is retried later, with a growing delay, until it is delivered", async () => {
    const { caseId, ids } = await updateWithUndeliveredConfirm();
    // A gateway replica whose attachments subgraph is unreachable (a closed port).
    const cut = await startGatewayOver(graph, { RESERVATION_RELAY_INTERVAL_SECONDS: "0", ATTACHMENTS_URL: "http://127.0.0.1:9/graphql" });
    extras.push(cut);
    expect(await cut.gateway.relay.runOnce()).toEqual({ claimed: 1, delivered: 0, failed: 1 });
    const [first] = await reservationsOf(caseId);
    expect(first).toMatchObject({ state: ReservationState.COMMITTED, attempts: 1, claimToken: null });
    const delay = first!.nextAttemptAt.getTime() - Date.now() - offsetMs;
    expect(delay).toBeGreaterThan(3_000);

    // Not due yet: no pass takes it.
    expect(await graph.gateway.relay.runOnce()).toEqual({ claimed: 0, delivered: 0, failed: 0 });
    offsetMs += 5_000;
    expect(await cut.gateway.relay.runOnce()).toEqual({ claimed: 1, delivered: 0, failed: 1 });
    const [second] = await reservationsOf(caseId);
    expect(second!.attempts).toBe(2);
    expect(second!.nextAttemptAt.getTime() - first!.nextAttemptAt.getTime()).toBeGreaterThan(delay);

    offsetMs += 10_000;
    expect(await graph.gateway.relay.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
    expect(await statesOf(ids)).toEqual([AttachmentState.ATTACHED, AttachmentState.ATTACHED]);
    expect((await reservationsOf(caseId)).map((r) => r.state)).toEqual([ReservationState.CONFIRMED]);
  });

  it("several gateway replicas relaying at once deliver every command once", async () => {
    const updates = [];
    for (let i = 0; i < 4; i++) updates.push(await updateWithUndeliveredConfirm());
    const replicas = await Promise.all([1, 2].map(() => startGatewayOver(graph, { RESERVATION_RELAY_INTERVAL_SECONDS: "0" })));
    extras.push(...replicas);
    const passes = await Promise.all([graph.gateway, ...replicas.map((r) => r.gateway)].map((gateway) => gateway.relay.runOnce()));
    expect(passes.reduce((sum, pass) => sum + pass.claimed, 0)).toBe(4);
    expect(passes.reduce((sum, pass) => sum + pass.delivered, 0)).toBe(4);
    for (const { caseId, ids } of updates) {
      expect(await statesOf(ids)).toEqual([AttachmentState.ATTACHED, AttachmentState.ATTACHED]);
      expect((await reservationsOf(caseId)).map((r) => r.state)).toEqual([ReservationState.CONFIRMED]);
    }
  });

  it("relays by itself every RESERVATION_RELAY_INTERVAL_SECONDS", async () => {
    const { caseId, ids } = await updateWithUndeliveredConfirm();
    extras.push(await startGatewayOver(graph, { RESERVATION_RELAY_INTERVAL_SECONDS: "1" }));
    await eventually(async () => (await reservationsOf(caseId))[0]!.state === ReservationState.CONFIRMED, 10_000);
    expect(await statesOf(ids)).toEqual([AttachmentState.ATTACHED, AttachmentState.ATTACHED]);
  });

  it("an update whose reservation the recovery released while it ran is not written (SERVICE_UNAVAILABLE), and its files are given back", async () => {
    const caseId = await newCase();
    const ids = await stage(caseId, 1);
    // The request stalls after reserving, longer than the recovery waits; the recovery runs meanwhile.
    onStep = async (step) => {
      if (step !== "reserved") return;
      offsetMs += graph.cases.services.reservations.timings.pendingTimeoutMs + 1_000;
      expect(await graph.cases.services.reservations.releaseStalePending()).toBe(1);
    };
    const answer = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "too slow", attachmentIds: ids } }, token: acme });
    onStep = null;
    expect(codeOf(answer)).toBe("SERVICE_UNAVAILABLE");
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId })).toBe(0);
    expect(await graph.gateway.relay.runOnce()).toMatchObject({ delivered: 1 });
    expect(await statesOf(ids)).toEqual([AttachmentState.STAGED]);
    expect((await reservationsOf(caseId)).map((r) => r.state)).toEqual([ReservationState.RELEASED]);
  });

  it("counts files per update with the one configured MAX_FILES_PER_UPLOAD of the attachments subgraph", async () => {
    const caseId = await newCase();
    const ids = [...(await stage(caseId, 4)), ...(await stage(caseId, 1))];
    const five = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "five", attachmentIds: ids } }, token: acme });
    expect(codeOf(five)).toBe("TOO_MANY_FILES");
    expect(five.errors![0]!.extensions).toMatchObject({ field: "attachmentIds", max: 4 });
    expect(await statesOf(ids)).toEqual(ids.map(() => AttachmentState.STAGED));
    const four = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "four", attachmentIds: ids.slice(0, 4) } }, token: acme });
    expect(four.errors).toBeUndefined();
    expect(four.data!.addCaseUpdate.update.attachments).toHaveLength(4);
  });

  it("gives the relay's system principal nothing from the ordinary fields of any subgraph", async () => {
    const caseId = await newCase();
    const [fileId] = await stage(caseId, 1);
    const relay = RELAY_PRINCIPAL;
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`;

    expect(codeOf(await asPrincipal(graph, "cases", relay, "{ cases(first: 5) { totalCount } }"))).toBe("FORBIDDEN");
    expect(codeOf(await asPrincipal(graph, "cases", relay, entities, { r: [{ __typename: "Case", id: caseId }] }))).toBe("FORBIDDEN");
    expect((await asPrincipal(graph, "cases", relay, "query($ids: [ID!]!) { caseAccess(ids: $ids) { id } }", { ids: [caseId] })).data).toEqual({ caseAccess: [null] });
    const create = await asPrincipal(graph, "cases", relay, `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } } }`, { input: { ...productCase, organizationId: "acme" } });
    expect(codeOf(create)).toBe("FORBIDDEN");
    const update = await asPrincipal(graph, "cases", relay, `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`, { input: { caseId, body: "as the relay" } });
    expect(codeOf(update)).toBe("FORBIDDEN");

    expect((await asPrincipal(graph, "attachments", relay, "query($ids: [ID!]!) { attachmentFacts(ids: $ids) { id } }", { ids: [fileId] })).data).toEqual({ attachmentFacts: [null] });
    expect(codeOf(await asPrincipal(graph, "attachments", relay, entities, { r: [{ __typename: "Attachment", id: fileId }] }))).toBe("FORBIDDEN");
    const reserve = await asPrincipal(graph, "attachments", relay, `mutation { reserveAttachments(reservationId: "r", caseId: "${caseId}", organizationId: "acme", inquiryType: "PRODUCT", ids: ["${fileId}"]) { id } }`);
    expect(codeOf(reserve)).toBe("FORBIDDEN");

    expect(codeOf(await asPrincipal(graph, "threat-analysis", relay, entities, { r: [{ __typename: "Case", id: caseId, inquiryType: "THREAT" }] }))).toBe("FORBIDDEN");
    const submit = await asPrincipal(graph, "threat-analysis", relay, `mutation($input: SubmitForAnalysisInput!) { submitForAnalysis(input: $input) { threatAnalysis { files { id } } } }`, {
      input: { caseId, urls: ["http://example.com"] },
    });
    expect(codeOf(submit)).toBe("FORBIDDEN");
    expect(await statesOf([fileId!])).toEqual([AttachmentState.STAGED]);
  });

  it("lets only the relay's system principal claim and acknowledge reservation commands, and no client credential can become it", async () => {
    const claim = (principal: Principal) => asPrincipal(graph, "cases", principal, CLAIM_RESERVATION_COMMANDS, { limit: 10 });
    const ack = (principal: Principal) => asPrincipal(graph, "cases", principal, ACK_RESERVATION_COMMANDS, { claimToken: "t", deliveries: [] });
    const impostors: Principal[] = [PRINCIPALS.engineer, { ...PRINCIPALS.engineer, kind: "system", role: "system" }, { ...PRINCIPALS.acme, scopes: [RELAY_SCOPE] }, { ...RELAY_PRINCIPAL, kind: "user" }];
    for (const principal of impostors) {
      expect(codeOf(await claim(principal))).toBe("FORBIDDEN");
      expect(codeOf(await ack(principal))).toBe("FORBIDDEN");
    }
    expect((await claim(RELAY_PRINCIPAL)).errors).toBeUndefined();

    // Clients cannot name the internal fields, nor carry the scope or the role.
    const viaGateway = await graph.request({ query: "mutation { claimReservationCommands(limit: 1) { claimToken } }", token: acme });
    expect(codeOf(viaGateway)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(SCOPES as readonly string[]).not.toContain(RELAY_SCOPE);
    const keys = new ApiKeyService(graph.gateway.dataSource, { logger: createLogger("test", "silent"), rotationGraceSeconds: 0 });
    await expect(keys.create({ partnerId: "initech", scopes: [RELAY_SCOPE] })).rejects.toThrow(/Unknown scope internal:relay/);
    const systemBearer = signDevToken({ sub: "relay", name: "Relay", email: "", role: "system" } as never, TEST_JWT_SECRET);
    expect((await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: await systemBearer })).status).toBe(401);
  });
});

describe("reservation relay settings", () => {
  it("refuses a relay interval or reservation timeout out of range at start-up, naming the variable", () => {
    expect(() => gatewayConfig({ NODE_ENV: "test", RESERVATION_RELAY_INTERVAL_SECONDS: "-1" })).toThrow(/RESERVATION_RELAY_INTERVAL_SECONDS/);
    expect(gatewayConfig({ NODE_ENV: "test", RESERVATION_RELAY_INTERVAL_SECONDS: "0" }).reservationRelayIntervalSeconds).toBe(0);
    expect(gatewayConfig({ NODE_ENV: "test" }).reservationRelayIntervalSeconds).toBe(5);
    expect(() => casesConfig({ NODE_ENV: "test", RESERVATION_PENDING_TIMEOUT_SECONDS: "10" })).toThrow(/RESERVATION_PENDING_TIMEOUT_SECONDS/);
    expect(() => casesConfig({ NODE_ENV: "test", RESERVATION_LEASE_SECONDS: "soon" })).toThrow(/RESERVATION_LEASE_SECONDS/);
    expect(casesConfig({ NODE_ENV: "test" }).reservations).toEqual({ pendingTimeoutSeconds: 300, leaseSeconds: 60 });
  });

  it("retries an undelivered command after 5 s, doubling, never more than a minute apart (files stay held until it gets through)", () => {
    expect([1, 2, 3, 4, 5, 50].map(retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });
});
