import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/** A product a customer organization runs, chosen when a case is registered. */
@ObjectType()
@Entity("product_profiles")
@Index(["organizationId", "name"])
export class ProductProfile {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 64 })
  id: string;

  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  name: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  product: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 64, nullable: true })
  version: string | null;
}
