import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/** A reseller or MSP that manages customer organizations. */
@Entity("partners")
export class Partner {
  @PrimaryColumn({ type: "varchar", length: 64 })
  id: string;

  @Column({ type: "varchar", length: 200 })
  name: string;
}

/** Which customer organizations a partner manages. */
@Entity("partner_organizations")
@Index(["organizationId"])
export class PartnerOrganization {
  @PrimaryColumn({ type: "varchar", length: 64 })
  partnerId: string;

  @PrimaryColumn({ type: "varchar", length: 64 })
  organizationId: string;
}
