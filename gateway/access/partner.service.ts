import type { DataSource } from "typeorm";
import { inTransaction } from "../../subgraphs/kit/transaction.js";
import { AccessAdminError } from "./access-admin-error.js";
import { Partner, PartnerOrganization } from "./partner.entity.js";

/** The demo partner (the demo story in README.md): initech manages acme only. */
export const DEMO_PARTNERS = [{ id: "initech", name: "Initech Managed Services", organizationIds: ["acme"] }];

/** Ids of partners and organizations: what the CLI accepts and what fits the columns. */
export const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface PartnerRecord {
  id: string;
  name: string;
  organizationIds: string[];
}

export async function ensureDemoPartners(dataSource: DataSource): Promise<void> {
  for (const partner of DEMO_PARTNERS) {
    await dataSource.getRepository(Partner).upsert({ id: partner.id, name: partner.name }, ["id"]);
    await dataSource.getRepository(PartnerOrganization).upsert(
      partner.organizationIds.map((organizationId) => ({ partnerId: partner.id, organizationId })),
      ["partnerId", "organizationId"],
    );
  }
}

/** The organizations a partner manages (empty for an unknown partner). */
export async function managedOrganizations(dataSource: DataSource, partnerId: string): Promise<string[]> {
  const rows = await dataSource.getRepository(PartnerOrganization).find({ where: { partnerId }, order: { organizationId: "ASC" } });
  return rows.map((row) => row.organizationId);
}

export async function findPartner(dataSource: DataSource, id: string): Promise<PartnerRecord | null> {
  const partner = await dataSource.getRepository(Partner).findOneBy({ id });
  return partner ? { id: partner.id, name: partner.name, organizationIds: await managedOrganizations(dataSource, id) } : null;
}

export async function listPartners(dataSource: DataSource): Promise<PartnerRecord[]> {
  const [partners, links] = await Promise.all([dataSource.getRepository(Partner).find({ order: { id: "ASC" } }), dataSource.getRepository(PartnerOrganization).find({ order: { organizationId: "ASC" } })]);
  return partners.map((p) => ({ id: p.id, name: p.name, organizationIds: links.filter((l) => l.partnerId === p.id).map((l) => l.organizationId) }));
}

/**
 * Creates a partner or replaces its name and (when given) its managed organizations. Keys limited to an organization
 * the partner no longer manages lose it from their next request on (authentication intersects).
 */
export async function savePartner(dataSource: DataSource, input: { id: string; name?: string; organizationIds?: string[] }): Promise<PartnerRecord> {
  if (!RECORD_ID.test(input.id)) throw new AccessAdminError(`"${input.id}" is not a valid partner id (letters, digits, . _ -; at most 64)`);
  const requested = input.organizationIds && [...new Set(input.organizationIds)].sort();
  for (const organizationId of requested ?? []) {
    if (!RECORD_ID.test(organizationId)) throw new AccessAdminError(`"${organizationId}" is not a valid organization id`);
  }
  return inTransaction(dataSource, async (tx) => {
    const existing = await tx.findOneBy(Partner, { id: input.id });
    const name = input.name?.trim() || existing?.name;
    if (!name) throw new AccessAdminError(`Partner ${input.id} is new: give it a --name`);
    if (name.length > 200) throw new AccessAdminError("A partner name has at most 200 characters");
    await tx.upsert(Partner, { id: input.id, name }, ["id"]);
    if (!requested) {
      const kept = await tx.find(PartnerOrganization, { where: { partnerId: input.id }, order: { organizationId: "ASC" } });
      return { id: input.id, name, organizationIds: kept.map((row) => row.organizationId) };
    }
    await tx.delete(PartnerOrganization, { partnerId: input.id });
    if (requested.length)
      await tx.insert(
        PartnerOrganization,
        requested.map((organizationId) => ({ partnerId: input.id, organizationId })),
      );
    return { id: input.id, name, organizationIds: requested };
  });
}
