import type { DataSource } from "typeorm";
import { Partner, PartnerOrganization } from "./partner.entity.js";

/** The demo partner of DESIGN.md: initech manages acme only. */
export const DEMO_PARTNERS = [{ id: "initech", name: "Initech Managed Services", organizationIds: ["acme"] }];

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
