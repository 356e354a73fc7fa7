import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";

@ObjectType()
@Directive('@key(fields: "id")')
@Entity("organizations")
export class Organization {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 64 })
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  name: string;

  /** Language of the organization's e-mails (`ja` by default, as the portal's users are in Japan). */
  @Column({ type: "varchar", length: 8, default: "ja" })
  locale: string;
}
