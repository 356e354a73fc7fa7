import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * A user of a customer organization (its directory, kept by `npm run organizations -- user ...`):
 * whom an engineer or a partner names as the registrant (登録いただいた本人) of a case registered on
 * the organization's behalf, and who then gets its registration, update and closing mails.
 */
@ObjectType("OrganizationUser", { description: "A user of a customer organization: who may be named the registrant of a case registered on its behalf." })
@Entity("organization_users")
@Index(["organizationId", "email"], { unique: true })
export class OrganizationUser {
  /** The user's id at the identity provider (the token's `sub`), so that cases they register themselves name the same person. */
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 128 })
  id: string;

  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  /** Lower-case. */
  @Field(() => String)
  @Column({ type: "varchar", length: 254 })
  email: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  name: string;
}
