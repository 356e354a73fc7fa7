import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createClient as createWsClient } from "graphql-ws";
import { createConnection } from "mysql2/promise";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { openGatewayDatabase } from "../../gateway/access/gateway-database.js";
import { ensureDemoPartners } from "../../gateway/access/partner.service.js";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { gatewayConfig } from "../../gateway/config.js";
import { serverStates } from "../../scripts/topology/haproxy.js";
import { replicaStatus, waitForReplica } from "../../scripts/topology/mariadb.js";
import { type ServiceKind, startTopology, type Topology } from "../../scripts/topology/topology.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { SCOPES } from "../../subgraphs/kit/principal.js";
import { CREATE_CASE, productCase, threatCase } from "../support/fixtures.js";
import { TEST_JWT_SECRET } from "../support/graph.js";
import { serviceBuild } from "../support/service-build.js";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.js";
import { wsUrlOf } from "../support/subscription-clients.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { type Caller, RETRYABLE_CODES, SoakClient, SoakLedger } from "../support/soak-client.js";
import { encryptedZip, randomFile, sha256 } from "../support/uploads.js";

/**
 * The production topology on this machine (scripts/topology/: two gateways, two replicas of each
 * subgraph, HAProxy in front of each service, MariaDB primary and replica, Redis, s3rver) under a
 * mixed load of many users while replicas are killed, MariaDB and Redis restart and a backend is
 * drained. Then: every acknowledged mutation is in the database once, every mail went out once,
 * every uploaded file has its row and its bytes, and clients saw only retryable errors, only while a
 * fault lasted. SOAK_ROUNDS=<n> runs the fault cycle n times (1 under `npm test`).
 *
 * Needs haproxy, mariadbd, mariadb-install-db and redis-server on the machine (.ci/run installs
 * haproxy); without them the file is skipped, except under CI=true, where that is a failure.
 */

const ROUNDS = Number(process.env.SOAK_ROUNDS || 1);
/** After a fault ends, clients may still see its errors for this long (health checks, pools reconnecting). */
const GRACE_MS = 15_000;
const RESERVATION_PENDING_TIMEOUT_SECONDS = 60;
/** How long a request's own confirmation of its files has before the relay steps in. */
const RESERVATION_LEASE_SECONDS = 15;
/** Steady load between one fault's end and the next one's start. */
const PAUSE_MS = 8_000;
/** Above what the busiest soak caller sends (uploads with their downloads, retries after a fault): a refusal would be the soak's own doing. */
const RATE_LIMIT_PER_MINUTE = 600;
/** Hooks for the load of features still being built (subscriptions, webhooks): each runs as one more actor. */
export const EXTRA_ACTORS: ((context: { client: SoakClient; callers: Record<string, Caller>; running: () => boolean }) => Promise<void>)[] = [];

async function toolsInstalled(): Promise<boolean> {
  const { access } = await import("node:fs/promises");
  const missing: string[] = [];
  for (const path of ["/usr/sbin/haproxy", "/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/redis-server"]) {
    await access(path).catch(() => missing.push(path));
  }
  if (missing.length && process.env.CI === "true") throw new Error(`the topology soak needs ${missing.join(", ")} under CI (.ci/run installs haproxy)`);
  if (missing.length) console.warn(`topology soak skipped: ${missing.join(", ")} missing`);
  return missing.length === 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const marker = (kind: string) => `soak:${kind}:${randomBytes(6).toString("hex")}`;

const LIST = `query { cases(first: 10) { totalCount edges { node { id caseNumber subStatus version } } } }`;
const READ_CASE = `query($id: ID!) { case(id: $id) { id version subStatus businessImpact updates(first: 5) { edges { node { id body } } } attachments(first: 5) { edges { node { id fileName } } } } }`;
const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { case { id version } update { id } } }`;
const UPDATE_CASE = `mutation($input: UpdateCaseInput!) { updateCase(input: $input) { case { id version businessImpact } } }`;
const UPLOAD = `mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id sha256 state downloadUrl } } }`;
const SUBMIT = `mutation($input: SubmitForAnalysisInput!) { submitForAnalysis(input: $input) { threatAnalysis { files { id attachment { id } } } } }`;
const RECORD_VERDICT = `mutation($input: RecordFileVerdictInput!) { recordFileVerdict(input: $input) { threatAnalysis { files { id verdict } } } }`;
const ANALYSIS = `query($id: ID!) { case(id: $id) { id threatAnalysis { files { id verdict availableActions } } } }`;
const REQUEST_ACTION = `mutation($input: RequestFileActionInput!) { requestFileAction(input: $input) { request { id state } } }`;
const ALL_CASE_EVENTS = `subscription($after: ID) { allCaseEvents(after: $after) { id sequence caseId } }`;
const CREATE_WEBHOOK = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id } } }`;
const FEED_EVENT_TYPES = [
  "CASE_CREATED",
  "CASE_CHANGED",
  "STATUS_CHANGED",
  "CASE_CLOSED",
  "CASE_REOPENED",
  "UPDATE_ADDED",
  "FILES_ATTACHED",
  "ANALYSIS_SUBMITTED",
  "RESULT_RECORDED",
  "REQUEST_MADE",
  "REQUEST_STARTED",
  "REQUEST_ANSWERED",
];

describe.skipIf(!(await toolsInstalled()))("the production topology under load and faults", () => {
  let topology: Topology;
  let sink: SmtpSink;
  let dir: string;
  let keepDir = false;
  const unexpectedExits: string[] = [];
  const receivedAt = new Map<object, number>();
  const tokens: Record<string, string> = {};
  let partnerKeys: string[] = [];
  let webhooks: WebhookReceiver;
  /** The feed's last position when the webhook endpoint was registered: acme's events after it are all delivered. */
  let webhookFrom = 0;

  const bearer = (name: string): Caller => ({ name, headers: { authorization: `Bearer ${tokens[name]}` } });
  const db = async (kind: ServiceKind) => createConnection({ uri: `${topology.databaseUrl(kind).replace(/^mariadb:/, "mysql:")}`, connectTimeout: 5_000 });
  async function query<T>(kind: ServiceKind, sql: string, params: unknown[] = []): Promise<T[]> {
    const connection = await db(kind).catch((error: unknown) => {
      throw new Error(`the ${kind} database on the primary did not answer (processes that exited unasked: ${unexpectedExits.join(", ") || "none"})`, { cause: error });
    });
    try {
      return (await connection.query(sql, params))[0] as T[];
    } finally {
      await connection.end();
    }
  }

  beforeAll(async () => {
    const startedAt = Date.now();
    const buildDir = await serviceBuild();
    dir = mkdtempSync(join(tmpdir(), "casegraph-soak-"));
    sink = await startSmtpSink();
    const push = sink.messages.push.bind(sink.messages);
    sink.messages.push = (...received) => {
      for (const message of received) receivedAt.set(message, Date.now());
      return push(...received);
    };
    topology = await startTopology({
      buildDir,
      dir,
      env: {
        LOG_LEVEL: "info",
        JWT_SECRET: TEST_JWT_SECRET,
        SMTP_URL: sink.url,
        MAIL_DISPATCH_INTERVAL_SECONDS: "1",
        MAIL_RETRY_BASE_SECONDS: "1",
        // Shorter than the default (300 s), so that mails a SIGKILLed dispatcher had claimed go out within the run; long enough
        // that a dispatcher whose database restarts right after a send can still record it (it retries until the lease is nearly
        // over): at 30 s a restart on a loaded machine (38 s seen) outlasted it, and another dispatcher sent those mails again.
        MAIL_LEASE_SECONDS: "90",
        RATE_LIMIT_USER_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
        RATE_LIMIT_API_KEY_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
        RESERVATION_RELAY_INTERVAL_SECONDS: "2",
        // Files held by a request whose cases replica was killed come back after this (the shortest allowed), not 5 min.
        RESERVATION_PENDING_TIMEOUT_SECONDS: String(RESERVATION_PENDING_TIMEOUT_SECONDS),
        RESERVATION_LEASE_SECONDS: String(RESERVATION_LEASE_SECONDS),
        // The ZIP check of threat samples runs in a worker bounded to 10 s; on a machine as loaded as this
        // one (every service twice, two databases) a 4 KiB sample has taken longer, which is no input error.
        ARCHIVE_INSPECTION_TIMEOUT_MS: "60000",
        CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "2",
        // The partner's webhook receiver listens on loopback (a test allowance development mode permits).
        WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1",
        WEBHOOK_DISPATCH_INTERVAL_SECONDS: "1",
        WEBHOOK_RETRY_BASE_SECONDS: "1",
        WEBHOOK_LEASE_SECONDS: "30",
      },
      onUnexpectedExit: (name, code, signal, output) => {
        unexpectedExits.push(`${name} (${signal ?? code})`);
        console.log(`[soak] ${name} exited unasked (${signal ?? code}); its last output:\n${output}`);
      },
      log: (line) => console.log(`[topology ${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${line}`),
    });
    const users: [string, string][] = [
      ...[1, 2, 3, 4].map((n) => [`acme-${n}`, "acme"] as [string, string]),
      ...[1, 2, 3].map((n) => [`globex-${n}`, "globex"] as [string, string]),
      ["threat-acme", "acme"],
      ["threat-globex", "globex"],
      ["reader-acme", "acme"],
      ["probe", "globex"],
    ];
    for (const [name, org] of users) {
      tokens[name] = await signDevToken({ sub: `u-soak-${name}`, name: `Soak ${name}`, email: `${name}@${org}.example`, role: "customer", org }, TEST_JWT_SECRET);
    }
    for (const n of [1, 2]) tokens[`engineer-${n}`] = await signDevToken({ sub: `u-soak-engineer-${n}`, name: `Engineer ${n}`, email: `engineer-${n}@support.example`, role: "engineer" }, TEST_JWT_SECRET);
    const gatewayDb = await openGatewayDatabase(gatewayConfig(topology.envOf("gateway-1")));
    try {
      await ensureDemoPartners(gatewayDb);
      const keys = new ApiKeyService(gatewayDb, { logger: createLogger("soak", "silent"), rotationGraceSeconds: 60 });
      partnerKeys = [(await keys.create({ partnerId: "initech", scopes: SCOPES, label: "soak-1", actor: "soak" })).key, (await keys.create({ partnerId: "initech", scopes: SCOPES, label: "soak-2", actor: "soak" })).key];
    } finally {
      await gatewayDb.destroy();
    }
    // A partner's endpoint for every event of acme, registered through HAProxy with its API key before any load.
    webhooks = await startWebhookReceiver(() => new Date());
    const registered = await new SoakClient(new SoakLedger(0), topology.gatewayUrl).run(
      { name: "partner-1", headers: { "x-api-key": partnerKeys[0]! } },
      "createWebhookEndpoint",
      { query: CREATE_WEBHOOK, variables: { input: { url: webhooks.url, eventTypes: FEED_EVENT_TYPES, organizationIds: ["acme"], contactEmail: "ops@initech.example" } } },
      { mutation: true },
    );
    expect(registered?.errors).toBeUndefined();
    webhooks.secrets = [registered!.data!.createWebhookEndpoint.secret as string];
    const [head] = await query<{ position: number | null }>("cases", "SELECT MAX(position) AS position FROM case_feed_events");
    webhookFrom = Number(head?.position ?? 0);
  }, 600_000);

  afterAll(async () => {
    await topology?.stop();
    await sink?.stop();
    await webhooks?.stop();
    if (dir && keepDir) console.log(`[soak] the processes' logs are kept in ${dir}`);
    else if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }, 120_000);

  it("shares each caller's rate limit across both gateways through Redis", async () => {
    const direct = topology.replicaNames("gateway").map((name) => `http://127.0.0.1:${topology.envOf(name).GATEWAY_PORT}/graphql`);
    const statuses: number[] = [];
    // Ten callers' worth of lanes at once, alternating gateways: the whole budget is spent well inside its minute even on a loaded machine.
    let sent = 0;
    const lane = async () => {
      while (sent < RATE_LIMIT_PER_MINUTE + 20) {
        const i = sent++;
        const response = await fetch(direct[i % 2]!, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tokens.probe}` }, body: JSON.stringify({ query: "{ __typename }" }) });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    };
    await Promise.all(Array.from({ length: 10 }, lane));
    // One budget for the caller, whichever gateway counts: each alone would have let all of them through.
    expect(statuses.filter((status) => status === 200)).toHaveLength(RATE_LIMIT_PER_MINUTE);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  }, 120_000);

  it("reads from the replica, and a caller who just wrote reads what they wrote even while the replica lags", async () => {
    const client = new SoakClient(new SoakLedger(0), topology.gatewayUrl);
    const created = await client.run(bearer("acme-1"), "createCase", { query: CREATE_CASE, variables: { input: { ...productCase, title: "Read your writes" } } }, { mutation: true });
    const caseId = created!.data!.createCase.case.id as string;
    await waitForReplica(topology.replica, topology.primary);
    await topology.replica.sql("STOP SLAVE SQL_THREAD");
    try {
      const body = marker("ryw");
      const written = await client.run(bearer("acme-1"), "addCaseUpdate", { query: ADD_UPDATE, variables: { input: { caseId, body } } }, { mutation: true });
      expect(written?.errors).toBeUndefined();
      const bodies = async (caller: string) =>
        ((await client.run(bearer(caller), "case", { query: READ_CASE, variables: { id: caseId } }))!.data!.case.updates.edges as { node: { body: string } }[]).map((edge) => edge.node.body);
      // The writer reads the primary: its update is there, whichever gateway answers.
      expect(await bodies("acme-1")).toContain(body);
      expect(await bodies("acme-1")).toContain(body);
      // Another user of the same organization reads the replica, which has not applied it yet.
      expect(await bodies("reader-acme")).not.toContain(body);
      await topology.replica.sql("START SLAVE SQL_THREAD");
      await waitForReplica(topology.replica, topology.primary);
      expect(await bodies("reader-acme")).toContain(body);
    } finally {
      await topology.replica.sql("START SLAVE SQL_THREAD");
    }
  });

  it(
    "keeps every acknowledged mutation exactly once, every mail once and every file whole, with only retryable errors and only during faults",
    async () => {
      // The processes' logs stay for a look when the run fails (their folder is named on the way out).
      onTestFailed(() => void (keepDir = true));
      // A file held by a request whose cases replica died comes back after the pending timeout, the lease and a relay pass.
      const ledger = new SoakLedger(GRACE_MS, 30_000, (RESERVATION_PENDING_TIMEOUT_SECONDS + RESERVATION_LEASE_SECONDS + 10) * 1000);
      const client = new SoakClient(ledger, topology.gatewayUrl, 150_000);
      let running = true;
      const callers: Record<string, Caller> = {
        ...Object.fromEntries(Object.keys(tokens).map((name) => [name, bearer(name)])),
        "partner-1": { name: "partner-1", headers: { "x-api-key": partnerKeys[0]! } },
        "partner-2": { name: "partner-2", headers: { "x-api-key": partnerKeys[1]! } },
      };
      const uploads: { id: string; sha256: string }[] = [];
      const verdictQueue: string[] = [];

      const acked = (response: { errors?: unknown[]; data?: unknown } | undefined) => response !== undefined && !response.errors?.length && response.data;
      async function createCase(caller: Caller, input: Record<string, unknown>): Promise<string | undefined> {
        const title = marker("case");
        const response = await client.run(caller, "createCase", { query: CREATE_CASE, variables: { input: { ...input, title } } }, { mutation: true, marker: title });
        if (!acked(response)) return undefined;
        ledger.acknowledge("createCase", title);
        return response!.data!.createCase.case.id;
      }
      async function addUpdate(caller: Caller, caseId: string, attachmentIds?: string[]): Promise<boolean> {
        const body = marker("update");
        const response = await client.run(caller, "addCaseUpdate", { query: ADD_UPDATE, variables: { input: { caseId, body, attachmentIds } } }, { mutation: true, marker: body });
        if (!acked(response)) return false;
        ledger.acknowledge("addCaseUpdate", body);
        return true;
      }
      async function uploadAndDownload(caller: Caller, caseId: string, file: { name: string; type: string; data: Buffer }): Promise<string | undefined> {
        const response = await client.run(caller, "uploadAttachments", { query: UPLOAD, variables: { input: { caseId } } }, { files: [file] });
        if (!acked(response)) return undefined;
        const [attachment] = response!.data!.uploadAttachments.attachments as { id: string; sha256: string; downloadUrl: string }[];
        uploads.push({ id: attachment!.id, sha256: attachment!.sha256 });
        const bytes = await client.download(attachment!.downloadUrl);
        if (bytes) {
          ledger.downloadsChecked++;
          if (sha256(bytes) !== sha256(file.data) || attachment!.sha256 !== sha256(file.data)) ledger.downloadMismatches++;
        }
        return attachment!.id;
      }

      /** A customer: one case of their own, then reads, updates, field changes and files on it. */
      async function customer(name: string, org: "acme" | "globex"): Promise<void> {
        const caller = callers[name]!;
        const profile = org === "acme" ? "acme-endpoint" : "globex-server";
        let caseId: string | undefined;
        while (running && !caseId) caseId = await createCase(caller, { ...productCase, productProfileId: profile });
        while (running && caseId) {
          const roll = Math.random();
          if (roll < 0.35) await client.run(caller, "cases", { query: LIST });
          else if (roll < 0.55) await client.run(caller, "case", { query: READ_CASE, variables: { id: caseId } });
          else if (roll < 0.75) await addUpdate(caller, caseId);
          else if (roll < 0.87) {
            const businessImpact = marker("impact");
            const response = await client.run(caller, "updateCase", { query: UPDATE_CASE, variables: { input: { caseId, businessImpact } } }, { mutation: true, marker: businessImpact });
            if (acked(response)) ledger.acknowledge("updateCase", businessImpact);
          } else {
            const id = await uploadAndDownload(caller, caseId, { name: `log-${randomBytes(3).toString("hex")}.txt`, type: "text/plain", data: randomFile(2048 + Math.floor(Math.random() * 60_000)) });
            if (id) await addUpdate(caller, caseId, [id]);
          }
          await sleep(250 + Math.random() * 500);
        }
      }

      /** A partner integration: lists what it manages, registers a case for a customer, adds updates. */
      async function partner(name: string): Promise<void> {
        const caller = callers[name]!;
        let caseId: string | undefined;
        while (running && !caseId) caseId = await createCase(caller, { ...productCase, organizationId: "acme", registrant: { email: "customer@acme.example" } });
        while (running && caseId) {
          const listed = await client.run(caller, "cases", { query: LIST });
          const ids = ((listed?.data?.cases?.edges ?? []) as { node: { id: string } }[]).map((edge) => edge.node.id);
          if (Math.random() < 0.4) await addUpdate(caller, ids.length && Math.random() < 0.5 ? pick(ids) : caseId);
          await sleep(300 + Math.random() * 500);
        }
      }

      /** An engineer: reads across organizations, answers on cases, records verdicts on submitted files. */
      async function engineer(name: string): Promise<void> {
        const caller = callers[name]!;
        while (running) {
          const fileAnalysisId = verdictQueue.shift();
          if (fileAnalysisId) {
            const response = await client.run(
              caller,
              "recordFileVerdict",
              { query: RECORD_VERDICT, variables: { input: { fileAnalysisId, verdict: "DANGEROUS", detectionName: "TROJ_SOAK", patternVersion: "19.851.00" } } },
              { mutation: true },
            );
            if (!acked(response)) verdictQueue.push(fileAnalysisId);
          } else {
            const listed = await client.run(caller, "cases", { query: LIST });
            const ids = ((listed?.data?.cases?.edges ?? []) as { node: { id: string } }[]).map((edge) => edge.node.id);
            if (ids.length && Math.random() < 0.3) await addUpdate(caller, pick(ids));
            else if (ids.length) await client.run(caller, "case", { query: READ_CASE, variables: { id: pick(ids) } });
          }
          await sleep(300 + Math.random() * 500);
        }
      }

      /** A customer with threat cases: an encrypted sample, its submission, the engineer's verdict, a request on it. */
      async function threatCustomer(name: string, org: "acme" | "globex"): Promise<void> {
        const caller = callers[name]!;
        const profile = org === "acme" ? "acme-endpoint" : "globex-server";
        while (running) {
          const caseId = await createCase(caller, { ...threatCase, productProfileId: profile });
          if (!caseId) continue;
          const zip = await encryptedZip("virus", { entries: { "sample.exe": randomBytes(4096) } });
          const attachmentId = await uploadAndDownload(caller, caseId, { name: "sample.zip", type: "application/zip", data: zip });
          if (!attachmentId) continue;
          // Only a file the case has (its update acknowledged) is submitted.
          if (!(await addUpdate(caller, caseId, [attachmentId]))) continue;
          const submitted = await client.run(caller, "submitForAnalysis", { query: SUBMIT, variables: { input: { caseId, attachmentIds: [attachmentId] } } }, { mutation: true });
          const file = ((submitted?.data?.submitForAnalysis?.threatAnalysis?.files ?? []) as { id: string; attachment: { id: string } | null }[]).find((candidate) => candidate.attachment?.id === attachmentId);
          if (!file) continue;
          verdictQueue.push(file.id);
          let actions: string[] = [];
          for (let i = 0; running && i < 40 && !actions.length; i++) {
            await sleep(500);
            const analysis = await client.run(caller, "case", { query: ANALYSIS, variables: { id: caseId } });
            const current = ((analysis?.data?.case?.threatAnalysis?.files ?? []) as { id: string; verdict: string; availableActions: string[] }[]).find((candidate) => candidate.id === file.id);
            if (current?.verdict === "DANGEROUS") actions = current.availableActions;
          }
          if (!actions.length) continue;
          const comment = marker("request");
          const requested = await client.run(caller, "requestFileAction", { query: REQUEST_ACTION, variables: { input: { fileAnalysisId: file.id, action: actions[0], comment } } }, { mutation: true, marker: comment });
          if (acked(requested)) ledger.acknowledge("requestFileAction", comment);
        }
      }

      /** The faults, in turn; each window lasts until the service is back and seen healthy by HAProxy. */
      async function faults(): Promise<void> {
        /**
         * Every replica UP in HAProxy's eyes for 3 s in a row. Waited for only after HAProxy could notice the
         * fault at all (a check every second, down after two failures): a MariaDB restart takes a second, and
         * the replicas' /ready fails only afterwards, while their pools reconnect.
         */
        const healthy = async () => {
          await sleep(3_000);
          let upSince: number | undefined;
          for (let i = 0; i < 480; i++) {
            const up = Object.values(await serverStates(join(dir, "haproxy.sock"))).every((state) => state.startsWith("UP"));
            upSince = up ? (upSince ?? Date.now()) : undefined;
            if (upSince !== undefined && Date.now() - upSince >= 3_000) return;
            await sleep(250);
          }
          throw new Error("HAProxy did not see every replica up again");
        };
        const fault = async (label: string, act: () => Promise<void>) => {
          console.log(`[soak] ${label}`);
          const window = ledger.openFault(label);
          try {
            await act();
            await healthy();
          } finally {
            ledger.closeFault(window);
          }
          // Some steady load between faults; errors within GRACE_MS of one still count as its own.
          await sleep(PAUSE_MS);
        };
        await sleep(8_000);
        for (let round = 0; round < ROUNDS; round++) {
          for (const kind of ["gateway", "cases", "attachments", "threat-analysis"] as const) {
            const name = topology.replicaNames(kind)[round % 2]!;
            await fault(`SIGKILL ${name}`, async () => {
              await topology.supervisor.kill(name);
              await sleep(2_000);
              await topology.supervisor.restart(name);
            });
          }
          await fault("restart MariaDB primary", () => topology.supervisor.restart("mariadb-primary"));
          await fault("restart Redis", () => topology.supervisor.restart("redis"));
          await fault("HAProxy: gateway-2 in maintenance 10 s", async () => {
            await topology.haproxy("set server gateway/gateway-2 state maint");
            await sleep(10_000);
            await topology.haproxy("set server gateway/gateway-2 state ready");
          });
        }
        // A steady tail past the last grace: anything failing now is no fault's.
        await sleep(GRACE_MS + 10_000);
      }

      /**
       * A live page of acme's cases: one graphql-ws subscription to allCaseEvents through HAProxy, as
       * README "Live updates" tells a client to hold it: when it ends (its gateway killed, an event that
       * could not be resolved), it subscribes again with `after` the last id it received.
       */
      const live = { received: new Set<string>(), first: undefined as bigint | undefined, last: undefined as string | undefined, repeats: 0, connects: 0, endings: [] as { at: number; how: string }[] };
      let subscribing = true;
      let hangUp: (() => void) | undefined;
      async function subscriber(): Promise<void> {
        while (subscribing) {
          live.connects++;
          const client = createWsClient({
            url: wsUrlOf(topology.gatewayUrl),
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${tokens["reader-acme"]}` },
            lazy: true,
            retryAttempts: 0,
          });
          await new Promise<void>((done) => {
            /** The error of the subscription's last result, when it ended with one. */
            let reason: string | undefined;
            const ended = (how: string) => {
              if (subscribing) live.endings.push({ at: Date.now(), how: reason ?? how });
              done();
            };
            hangUp = done;
            client.subscribe(
              { query: ALL_CASE_EVENTS, variables: { after: live.last ?? null } },
              {
                next: (result) => {
                  const event = (result.data as { allCaseEvents?: { id: string } } | null | undefined)?.allCaseEvents;
                  if (!event) return void (reason = (result.errors?.[0]?.extensions?.code as string | undefined) ?? "no data");
                  if (live.received.has(event.id)) live.repeats++;
                  live.received.add(event.id);
                  live.first ??= BigInt(event.id);
                  live.last = event.id;
                },
                error: (error) => ended(Array.isArray(error) ? String(error[0]?.extensions?.code) : `closed ${closeReason(error)}`),
                complete: () => ended("completed"),
              },
            );
          });
          await client.dispose();
          if (subscribing) await sleep(500);
        }
      }
      const subscription = subscriber();

      const started = Date.now();
      const actors = [
        ...[1, 2, 3, 4].map((n) => customer(`acme-${n}`, "acme")),
        ...[1, 2, 3].map((n) => customer(`globex-${n}`, "globex")),
        partner("partner-1"),
        partner("partner-2"),
        engineer("engineer-1"),
        engineer("engineer-2"),
        threatCustomer("threat-acme", "acme"),
        threatCustomer("threat-globex", "globex"),
        ...EXTRA_ACTORS.map((actor) => actor({ client, callers, running: () => running })),
      ];
      try {
        await faults();
      } finally {
        running = false;
        await Promise.all(actors);
      }
      const loadSeconds = (Date.now() - started) / 1000;
      console.log(`[soak] load over after ${loadSeconds.toFixed(0)} s; processes that exited unasked: ${unexpectedExits.join(", ") || "none"}`);

      // The subscriber catches up with the feed, then hangs up.
      const acmeEvents = async (after: bigint) =>
        (await query<{ position: string }>("cases", "SELECT position FROM case_feed_events WHERE organization_id = 'acme' AND position > ? ORDER BY position", [after.toString()])).map((row) => String(row.position));
      const lastAcme = (await acmeEvents(0n)).at(-1);
      for (let i = 0; i < 120 && lastAcme && !live.received.has(lastAcme); i++) await sleep(500);
      subscribing = false;
      hangUp?.();
      await subscription;
      const missedLive = live.first === undefined ? ["(no event received)"] : (await acmeEvents(live.first - 1n)).filter((id) => !live.received.has(id));
      const endingsOutside = live.endings.filter((ending) => !ledger.inFaultWindow(ending.at));

      // The webhook endpoint: every acme event since its registration delivered at least once.
      const undelivered = async () => query<{ n: number }>("cases", "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status <> 'DELIVERED'");
      for (let i = 0; i < 180 && Number((await undelivered())[0]?.n) > 0; i++) await sleep(500);
      const deliveryStates = await query<{ status: string; n: number }>("cases", "SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status");
      const hooked = webhooks.received.map((delivery) => String(delivery.payload.data.id));
      const missedHooks = (await acmeEvents(BigInt(webhookFrom))).filter((id) => !hooked.includes(id));
      const unsigned = webhooks.received.filter((delivery) => delivery.verifiedWith.length === 0).length;

      // Mail: every row of the outbox leaves once the dispatchers have caught up.
      const outbox = async () => query<{ id: string; state: string }>("cases", "SELECT id, state FROM notification_outbox");
      for (let i = 0; i < 240 && (await outbox()).some((row) => row.state === "PENDING"); i++) await sleep(500);
      await sleep(1_500);
      const rows = await outbox();
      const receivedIds = sink.messages.map((message) => /<([^@>]+)@/.exec(message.header("message-id") ?? "")?.[1] ?? "?");
      const sentIds = new Set(rows.filter((row) => row.state === "SENT").map((row) => row.id));
      const deliveries = new Map<string, number>();
      for (const id of receivedIds) deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      // A message sent again because the cases replica that sent it was SIGKILLed before it recorded it:
      // SMTP has no transaction, so that one window stays at-least-once (the Message-ID shows the repeat).
      const repeated = [...deliveries.entries()].filter(([, n]) => n > 1).map(([id]) => id);
      const firstReceipt = (id: string) => Math.min(...sink.messages.filter((_message, index) => receivedIds[index] === id).map((message) => receivedAt.get(message) ?? 0));
      const repeatedByKill = repeated.filter((id) => ledger.windows.some((window) => window.label.startsWith("SIGKILL cases-") && Math.abs(firstReceipt(id) - window.start) <= 3_000));

      // Mutations: each acknowledged one found once, by its marker.
      const found = new Map<string, number>();
      const count = (values: { value: string }[]) => values.forEach(({ value }) => found.set(value, (found.get(value) ?? 0) + 1));
      count(await query("cases", "SELECT title AS value FROM cases WHERE title LIKE 'soak:%'"));
      count(await query("cases", "SELECT body AS value FROM case_updates WHERE body LIKE 'soak:%'"));
      count(await query("cases", "SELECT new_value AS value FROM case_events WHERE field = 'businessImpact' AND new_value LIKE 'soak:%'"));
      count(await query("threat-analysis", "SELECT comment AS value FROM analysis_requests WHERE comment LIKE 'soak:%'"));
      const kinds = [...ledger.acknowledged.entries()].map(([kind, markers]) => ({
        kind,
        acknowledged: markers.length,
        found: markers.filter((value) => (found.get(value) ?? 0) >= 1).length,
        duplicates: markers.filter((value) => (found.get(value) ?? 0) > 1).length,
      }));
      // A retry refused (BAD_USER_INPUT, e.g. "already attached") although its first attempt had committed:
      // the work is there once, but the client was told otherwise. Counted apart, and listed.
      const refusedAfterCommit = ledger.unfinished.filter((entry) => entry.code === "BAD_USER_INPUT" && entry.attempt > 1 && entry.marker !== undefined && found.get(entry.marker) === 1);

      // Files: bytes in the bucket and rows in the attachments table, one for one.
      const s3 = new S3Client({ endpoint: topology.s3.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: topology.s3.accessKeyId, secretAccessKey: topology.s3.secretAccessKey } });
      const objects: string[] = [];
      const writtenAt = new Map<string, number>();
      // Listed before the table is printed: a store that died is reported with the rest, not instead of it.
      let s3Failure: string | undefined;
      try {
        for (let token: string | undefined, first = true; first || token; first = false) {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: topology.s3.bucket, ContinuationToken: token }));
          for (const object of page.Contents ?? []) {
            objects.push(object.Key!);
            writtenAt.set(object.Key!, object.LastModified?.getTime() ?? 0);
          }
          token = page.NextContinuationToken;
        }
      } catch (error) {
        s3Failure = String(error);
      } finally {
        s3.destroy();
      }
      const attachmentRows = await query<{ id: string; blobKey: string }>("attachments", "SELECT id, blob_key AS blobKey FROM attachments");
      const blobKeys = new Set(attachmentRows.map((row) => row.blobKey));
      const rowIds = new Set(attachmentRows.map((row) => row.id));
      const finals = objects.filter((key) => !key.startsWith("tmp/"));
      // An attachments replica killed between copying a file to its final key and committing its row leaves the bytes
      // without a row: never served, only space (docs/decisions.md). Counted apart when written as such a kill began.
      const killedAttachments = ledger.windows.filter((window) => window.label.startsWith("SIGKILL attachments-"));
      const leftByKill = (key: string) => killedAttachments.some((window) => Math.abs((writtenAt.get(key) ?? 0) - window.start) <= 3_000);
      const orphans = finals.filter((key) => !blobKeys.has(key));
      const bytesWithoutRow = orphans.filter((key) => !leftByKill(key));
      const rowsWithoutBytes = [...blobKeys].filter((key) => !finals.includes(key));
      const acknowledgedUploadsMissing = uploads.filter((upload) => !rowIds.has(upload.id));

      // The table.
      const byCode = new Map<string, number>();
      const byPhase = new Map<string, Map<string, number>>();
      for (const failure of ledger.failures) {
        byCode.set(failure.code, (byCode.get(failure.code) ?? 0) + 1);
        const phase = failure.inFaultWindow ? failure.phase : `${failure.phase} (outside fault windows)`;
        const codes = byPhase.get(phase) ?? new Map<string, number>();
        codes.set(failure.code, (codes.get(failure.code) ?? 0) + 1);
        byPhase.set(phase, codes);
      }
      const samples = new Map<string, string>();
      for (const failure of ledger.failures) {
        const key = `${failure.code} on ${failure.operation}`;
        if (!samples.has(key)) samples.set(key, failure.message.slice(0, 200));
      }
      const pad = (value: unknown, width: number) => String(value).padEnd(width);
      const lines = [
        `topology soak: ${ROUNDS} fault round(s), ${loadSeconds.toFixed(0)} s of load, ${Object.keys(callers).length} callers`,
        `requests (attempts) ${ledger.attempts}, operations ${ledger.operations}, ${(ledger.attempts / loadSeconds).toFixed(1)} requests/s through HAProxy`,
        "",
        `${pad("mutation", 20)}${pad("acknowledged", 14)}${pad("found", 8)}duplicates`,
        ...kinds.map((row) => `${pad(row.kind, 20)}${pad(row.acknowledged, 14)}${pad(row.found, 8)}${row.duplicates}`),
        ...(s3Failure ? [`the bucket could not be listed: ${s3Failure}`] : []),
        `uploads acknowledged ${uploads.length}, downloads checked ${ledger.downloadsChecked} (mismatches ${ledger.downloadMismatches}); bucket objects ${finals.length} (temporaries ${objects.length - finals.length}), rows ${blobKeys.size}, bytes without row ${bytesWithoutRow.length} (and ${orphans.length - bytesWithoutRow.length} left by the killed attachments replica), rows without bytes ${rowsWithoutBytes.length}`,
        `mails: outbox ${rows.length} (${[...new Set(rows.map((row) => row.state))].map((state) => `${state} ${rows.filter((row) => row.state === state).length}`).join(", ")}), received ${sink.messages.length}, distinct ${deliveries.size}, delivered more than once ${repeated.length} (of which sent as their dispatcher was SIGKILLed: ${repeatedByKill.length})`,
        `subscription (allCaseEvents, acme): ${live.received.size} events from ${live.first ?? "-"}, connects ${live.connects}, endings ${live.endings.length}${live.endings.length ? ` (${live.endings.map((ending) => ending.how).join(", ")})` : ""}, received twice ${live.repeats}, missed ${missedLive.length}`,
        `webhooks (acme, every type): deliveries ${deliveryStates.map((row) => `${row.status} ${row.n}`).join(", ") || "none"}; received ${hooked.length} (distinct ${new Set(hooked).size}, unsigned ${unsigned}), missed ${missedHooks.length}`,
        `retries refused although the first attempt had committed (found once): ${refusedAfterCommit.length}${refusedAfterCommit.length ? ` (${refusedAfterCommit.map((entry) => entry.operation).join(", ")})` : ""}`,
        "",
        "errors by code: " + ([...byCode.entries()].map(([code, n]) => `${code} ${n}`).join(", ") || "none"),
        "errors by phase:",
        ...[...byPhase.entries()].map(([phase, codes]) => `  ${pad(phase, 48)}${[...codes.entries()].map(([code, n]) => `${code} ${n}`).join(", ")}`),
        ...[...samples.entries()].map(([key, sample]) => `  e.g. ${key}: ${sample}`),
        "fault windows: " + ledger.windows.map((window) => `${window.label} ${(((window.end ?? 0) - window.start) / 1000).toFixed(1)} s`).join("; "),
        `operations without a final answer: ${ledger.unfinished.length}${ledger.unfinished.length ? ` (${ledger.unfinished.map((entry) => `${entry.operation}: ${entry.code}`).join(", ")})` : ""}`,
      ];
      console.log(lines.join("\n"));
      // What the services logged about the internal errors clients saw (by correlation id).
      const correlationIds = ledger.failures.flatMap((failure) => (failure.code === "INTERNAL_SERVER_ERROR" ? (/correlation id ([\w-]+)/.exec(failure.message)?.slice(1) ?? []) : []));
      if (correlationIds.length) {
        for (const file of readdirSync(dir).filter((name) => name.endsWith(".log"))) {
          for (const line of readFileSync(join(dir, file), "utf8").split("\n")) if (correlationIds.some((id) => line.includes(id))) console.log(`[${file}] ${line.slice(0, 2_000)}`);
        }
      }

      expect(unexpectedExits).toEqual([]);
      expect(s3Failure).toBeUndefined();
      expect(missedLive, "events the subscriber never received").toEqual([]);
      expect(endingsOutside, "subscriptions ended outside fault windows").toEqual([]);
      expect(missedHooks, "events never delivered to the webhook").toEqual([]);
      expect(unsigned).toBe(0);
      for (const row of kinds) expect(row, row.kind).toMatchObject({ found: row.acknowledged, duplicates: 0 });
      expect(kinds.map((row) => row.kind).sort()).toEqual(["addCaseUpdate", "createCase", "requestFileAction", "updateCase"]);
      expect(rows.filter((row) => row.state === "PENDING" || row.state === "FAILED")).toEqual([]);
      expect(
        repeated.filter((id) => !repeatedByKill.includes(id)),
        "mails delivered twice",
      ).toEqual([]);
      expect(new Set(receivedIds)).toEqual(sentIds);
      expect(bytesWithoutRow).toEqual([]);
      expect(rowsWithoutBytes).toEqual([]);
      expect(acknowledgedUploadsMissing).toEqual([]);
      expect(ledger.downloadMismatches).toBe(0);
      const outside = ledger.failures.filter((failure) => !failure.inFaultWindow);
      expect(outside, "errors outside fault windows").toEqual([]);
      // Retryable besides the two codes: the Idempotency-Key contract's "being processed" (reason IDEMPOTENCY_KEY_IN_FLIGHT) for the
      // key of a request whose gateway died, and a connection cut while the gateway replica that held it was killed. And one more
      // cut that is no service's answer: while MariaDB restarts, every gateway is out of HAProxy's rotation (their /ready reads
      // their database), and HAProxy answers an upload its 503 at once and closes, while the client is still writing its files:
      // the client's write fails (EPIPE) before it could read that answer. The gateway itself never answers a multipart
      // request before its body has arrived (gateway/uploads/answer-after-body.ts).
      const cutByHaproxy = (failure: (typeof ledger.failures)[number]) =>
        failure.code === "NETWORK" && failure.operation === "uploadAttachments" && /EPIPE|ECONNRESET/.test(failure.message) && failure.faults.includes("restart MariaDB primary");
      const unretryable = ledger.failures.filter(
        (failure) =>
          !(RETRYABLE_CODES as readonly string[]).includes(failure.code) &&
          failure.code !== "CONFLICT (key in flight)" &&
          failure.code !== "CONFLICT (file reserved)" &&
          !(failure.code === "NETWORK" && failure.faults.some((label) => label.startsWith("SIGKILL gateway-"))) &&
          !cutByHaproxy(failure),
      );
      expect(unretryable, "errors other than the retryable ones").toEqual([]);
      expect(ledger.failures.filter((failure) => failure.status === 500)).toEqual([]);
      expect(refusedAfterCommit, "retries refused although their first attempt had committed").toEqual([]);
      expect(ledger.unfinished).toEqual([]);
      // The replica followed the primary through its restart.
      expect(await replicaStatus(topology.replica)).toMatchObject({ Slave_IO_Running: "Yes", Slave_SQL_Running: "Yes" });
      await waitForReplica(topology.replica, topology.primary);
    },
    20 * 60_000,
  );
});

/** How a graphql-ws connection ended, for the table: the close code, an error's message, or the event's type. */
function closeReason(ending: unknown): string {
  const { code, message, type } = (ending ?? {}) as { code?: unknown; message?: unknown; type?: unknown };
  if (typeof code === "number") return String(code);
  if (typeof message === "string" && message) return message.slice(0, 80);
  return typeof type === "string" ? type : "unknown";
}
