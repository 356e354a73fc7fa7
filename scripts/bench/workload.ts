import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { DataSource } from "typeorm";
import { savePartner } from "../../gateway/access/partner.service.js";
import type { TokenClaims } from "../../gateway/auth/demo-users.js";
import { AttachmentEntity } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import { CaseEventEntity } from "../../subgraphs/cases/case-event/case-event.entity.js";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { CaseStatus, CaseSubStatus, InquiryType, SEVERITY_RANK, Severity, ThreatCategory } from "../../subgraphs/cases/case/case.enums.js";
import { Organization } from "../../subgraphs/cases/organization/organization.entity.js";
import { ProductProfile } from "../../subgraphs/cases/product-profile/product-profile.entity.js";
import { ActorRole } from "../../subgraphs/kit/actor.js";
import { FileAnalysisEntity } from "../../subgraphs/threat-analysis/file-analysis/file-analysis.entity.js";
import { FileVerdict } from "../../subgraphs/threat-analysis/threat.enums.js";
import { benchAttachment, type BenchDatabases, benchFileAnalysis, insertRows } from "./data.js";

/**
 * The mixed workload's world: 20 organizations, their cases (about five updates each, files on half,
 * threat results on a fifth), and 200 principals (customers of every organization, partner staff
 * managing several organizations, engineers). Case ids follow from the case's index, so the load
 * generator can pick cases without reading the databases.
 */
export const ORGANIZATIONS = 20;
const CUSTOMERS_PER_ORGANIZATION = 8;
const PARTNERS = 10;
const STAFF_PER_PARTNER = 3;
const ORGANIZATIONS_PER_PARTNER = 4;
const ENGINEERS = 10;
const UPDATES_PER_CASE = 5;

export const organizationId = (n: number) => `bench-org-${String(n).padStart(2, "0")}`;
/** Case `i` belongs to organization `i % ORGANIZATIONS`; its id is a fixed UUID-shaped string. */
export const caseId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
/** Every tenth case of each organization is closed; the workload's mutations go to open cases only. */
export const isClosed = (i: number) => Math.floor(i / ORGANIZATIONS) % 10 === 9;

/** The 200 principals, as the identity provider's token claims (partners' organizations live in the gateway's database). */
export function workloadClaims(): TokenClaims[] {
  const claims: TokenClaims[] = [];
  for (let o = 0; o < ORGANIZATIONS; o++) {
    for (let c = 0; c < CUSTOMERS_PER_ORGANIZATION; c++) {
      claims.push({ sub: `bench-customer-${o}-${c}`, name: `Customer ${c} of ${o}`, email: `c${c}@org${o}.example`, role: "customer", org: organizationId(o) });
    }
  }
  for (let p = 0; p < PARTNERS; p++) {
    for (let s = 0; s < STAFF_PER_PARTNER; s++) claims.push({ sub: `bench-partner-${p}-${s}`, name: `Partner ${p} staff ${s}`, email: `s${s}@partner${p}.example`, role: "partner", partner: `bench-partner-${p}` });
  }
  for (let e = 0; e < ENGINEERS; e++) claims.push({ sub: `bench-engineer-${e}`, name: `Engineer ${e}`, email: `e${e}@support.example`, role: "engineer" });
  return claims;
}

/** Organizations partner `p` manages: four consecutive ones. */
export const partnerOrganizations = (p: number) => Array.from({ length: ORGANIZATIONS_PER_PARTNER }, (_, k) => organizationId((p * 2 + k) % ORGANIZATIONS));

/** The organizations (and the acme demo organization the other sections use), their products, and the partners. */
export async function insertReferenceData(cases: DataSource, gateway: DataSource): Promise<void> {
  const organizations = Array.from({ length: ORGANIZATIONS }, (_, o) => Object.assign(new Organization(), { id: organizationId(o), name: `Bench Organization ${o}`, locale: o % 2 ? "en" : "ja" }));
  await cases.getRepository(Organization).upsert(organizations, ["id"]);
  const profiles = organizations.map((org) => Object.assign(new ProductProfile(), { id: `${org.id}-endpoint`, organizationId: org.id, name: "Endpoints", product: "Endpoint Security", version: "14.0" }));
  await cases.getRepository(ProductProfile).upsert(profiles, ["id"]);
  for (let p = 0; p < PARTNERS; p++) await savePartner(gateway, { id: `bench-partner-${p}`, name: `Bench Partner ${p}`, organizationIds: partnerOrganizations(p) });
}

const SEVERITIES = [Severity.LOW, Severity.MEDIUM, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL];
const SUB_STATUSES = [CaseSubStatus.RECEIVED, CaseSubStatus.IN_PROGRESS, CaseSubStatus.INFORMATION_REQUESTED, CaseSubStatus.SOLUTION_PROVIDED, CaseSubStatus.CUSTOMER_UPDATED];

/** Cases `from` to `from + count - 1`, bulk-inserted in chunks straight into the subgraphs' databases. */
export async function insertWorkloadCases(db: BenchDatabases, from: number, count: number, onProgress: (done: number) => void): Promise<void> {
  const chunk = 1_000;
  const base = Date.parse("2025-01-01T00:00:00.000Z");
  for (let start = from; start < from + count; start += chunk) {
    const cases: CaseEntity[] = [];
    const updates: CaseUpdateEntity[] = [];
    const events: CaseEventEntity[] = [];
    const attachments: AttachmentEntity[] = [];
    const files: FileAnalysisEntity[] = [];
    for (let i = start; i < Math.min(start + chunk, from + count); i++) {
      const org = organizationId(i % ORGANIZATIONS);
      const customer = { id: `bench-customer-${i % ORGANIZATIONS}-${i % CUSTOMERS_PER_ORGANIZATION}`, name: "Customer", role: ActorRole.CUSTOMER, email: "c@example.com" };
      const engineer = { id: `bench-engineer-${i % ENGINEERS}`, name: "Engineer", role: ActorRole.ENGINEER, email: "e@support.example" };
      // Spread over almost two years, a few minutes apart; updated up to a week after.
      const created = new Date(base + i * 300_000);
      const updated = new Date(created.getTime() + (i % 7) * 86_400_000);
      const severity = SEVERITIES[i % SEVERITIES.length]!;
      const threat = i % 5 === 0;
      const id = caseId(i);
      const closed = isClosed(i);
      cases.push(
        Object.assign(new CaseEntity(), {
          id,
          caseNumber: `C-2025-W${String(i).padStart(7, "0")}`,
          organizationId: org,
          title: `Workload case ${i}`,
          description: "Mixed-workload data.",
          status: closed ? CaseStatus.CLOSED : CaseStatus.OPEN,
          subStatus: SUB_STATUSES[i % SUB_STATUSES.length],
          severity,
          severityRank: SEVERITY_RANK[severity],
          inquiryType: threat ? InquiryType.THREAT : InquiryType.PRODUCT,
          threatCategory: threat ? ThreatCategory.INFECTION_ANALYSIS : null,
          problemCategory: threat ? ThreatCategory.INFECTION_ANALYSIS : "MALFUNCTION",
          productProfileId: `${org}-endpoint`,
          contactName: "Customer",
          registrant: customer,
          ccEmails: [],
          businessImpact: null,
          createdAt: created,
          updatedAt: updated,
          closedAt: closed ? updated : null,
          version: UPDATES_PER_CASE,
          lastCustomerActivityAt: updated,
          subStatusChangedAt: updated,
        }),
      );
      for (let n = 0; n < UPDATES_PER_CASE; n++) {
        const author = n % 2 ? engineer : customer;
        const at = new Date(created.getTime() + n * 3_600_000);
        updates.push(Object.assign(new CaseUpdateEntity(), { id: `${id.slice(0, 23)}-u${n}${id.slice(26)}`, caseId: id, body: `Update ${n} of case ${i}.`, author, requestedReopen: false, createdAt: at }));
      }
      for (let n = 0; n < 2; n++) {
        events.push(
          Object.assign(new CaseEventEntity(), {
            id: `${id.slice(0, 23)}-e${n}${id.slice(26)}`,
            caseId: id,
            actor: engineer,
            field: "subStatus",
            oldValue: "RECEIVED",
            newValue: "IN_PROGRESS",
            comment: null,
            at: new Date(created.getTime() + n),
          }),
        );
      }
      const attachmentId = i % 2 === 0 ? `${id.slice(0, 23)}-a0${id.slice(26)}` : null;
      if (attachmentId) {
        attachments.push(benchAttachment({ id: attachmentId, caseId: id, organizationId: org, i, at: created, uploadedBy: customer }));
      }
      if (threat) {
        files.push(benchFileAnalysis({ id: `${id.slice(0, 23)}-f0${id.slice(26)}`, caseId: id, organizationId: org, i, at: created, attachmentId, verdict: i % 3 ? FileVerdict.DANGEROUS : FileVerdict.NO_PROBLEM }));
      }
    }
    await insertRows(db, { cases, updates, events, attachments, files });
    onProgress(Math.min(start + chunk, from + count) - from);
  }
}

/**
 * The identity provider of a production-mode run: an ES256 key, its JWKS served on loopback (the
 * gateway's JWKS_URL), and tokens signed with it for the given issuer and audience.
 */
export interface BenchIdentityProvider {
  env: { JWKS_URL: string; JWT_ISSUER: string; JWT_AUDIENCE: string };
  sign(claims: TokenClaims): Promise<string>;
  close(): Promise<void>;
}

export async function startIdentityProvider(): Promise<BenchIdentityProvider> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = "https://idp.bench.example";
  const audience = "casegraph-bench";
  const sign = (claims: TokenClaims) => signWith(privateKey, claims, issuer, audience);
  return {
    env: { JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, JWT_ISSUER: issuer, JWT_AUDIENCE: audience },
    sign,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function signWith(key: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"], claims: TokenClaims, issuer: string, audience: string): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: "ES256", kid: "bench" }).setSubject(claims.sub).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime("6h").sign(key);
}
