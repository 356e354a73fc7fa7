import type { DataSource } from "typeorm";
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

/** Inserts the demo organizations and product profiles that are missing; safe to run on every start. */
export async function ensureReferenceData(dataSource: DataSource): Promise<void> {
  await dataSource.getRepository(Organization).upsert(DEMO_ORGANIZATIONS, ["id"]);
  await dataSource.getRepository(ProductProfile).upsert(DEMO_PRODUCT_PROFILES, ["id"]);
}
