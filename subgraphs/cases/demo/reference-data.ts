import type { DataSource } from "typeorm";
import { OrganizationUser } from "../organization/organization-user.entity.js";
import { Organization } from "../organization/organization.entity.js";
import { ProductProfile } from "../product-profile/product-profile.entity.js";

/** The demo organizations of the demo story in README.md (fixed ids, so docs and examples work) and their products. */
export const DEMO_ORGANIZATIONS: Organization[] = [
  Object.assign(new Organization(), { id: "acme", name: "Acme Corporation", locale: "ja" }),
  Object.assign(new Organization(), { id: "globex", name: "Globex Corporation", locale: "en" }),
];

export const DEMO_PRODUCT_PROFILES: ProductProfile[] = [
  Object.assign(new ProductProfile(), { id: "acme-endpoint", organizationId: "acme", name: "Head office endpoints", product: "Endpoint Security", version: "14.0" }),
  Object.assign(new ProductProfile(), { id: "acme-mail", organizationId: "acme", name: "Mail gateway", product: "Email Security", version: "9.1" }),
  Object.assign(new ProductProfile(), { id: "globex-server", organizationId: "globex", name: "Data center servers", product: "Server Protection", version: "20.0" }),
];

/**
 * The organizations' directories: the demo customers (the same ids and addresses as their dev tokens)
 * and one acme colleague without a demo token, whom partners and engineers can name as registrant.
 */
export const DEMO_ORGANIZATION_USERS: OrganizationUser[] = [
  Object.assign(new OrganizationUser(), { id: "u-acme-customer", organizationId: "acme", email: "customer@acme.example", name: "Aiko Tanaka" }),
  Object.assign(new OrganizationUser(), { id: "u-acme-it", organizationId: "acme", email: "it-ops@acme.example", name: "Yuki Yamada" }),
  Object.assign(new OrganizationUser(), { id: "u-globex-customer", organizationId: "globex", email: "customer@globex.example", name: "Hank Scorpio" }),
];

/** Inserts the demo organizations, product profiles and users that are missing; safe to run on every start. */
export async function ensureReferenceData(dataSource: DataSource): Promise<void> {
  await dataSource.getRepository(Organization).upsert(DEMO_ORGANIZATIONS, ["id"]);
  await dataSource.getRepository(ProductProfile).upsert(DEMO_PRODUCT_PROFILES, ["id"]);
  await dataSource.getRepository(OrganizationUser).upsert(DEMO_ORGANIZATION_USERS, ["id"]);
}
