import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column } from "typeorm";
import { actorRole, type Principal } from "./principal.js";

export enum ActorRole {
  CUSTOMER = "CUSTOMER",
  PARTNER = "PARTNER",
  ENGINEER = "ENGINEER",
  SYSTEM = "SYSTEM",
}
registerEnumType(ActorRole, { name: "ActorRole" });

/** Who did something, embedded in the row it describes (registrant, author, history actor). */
@ObjectType()
@Directive("@shareable")
export class Actor {
  @Field(() => ID)
  @Column({ type: "varchar", length: 128 })
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 200 })
  name: string;

  @Field(() => ActorRole)
  @Column({ type: "varchar", length: 16 })
  role: ActorRole;

  /** Where mail for this actor goes; not exposed to clients. */
  @Column({ type: "varchar", length: 254, nullable: true })
  email: string | null;
}

export function actorOf(principal: Principal): Actor {
  return Object.assign(new Actor(), {
    id: principal.id,
    name: principal.name,
    role: actorRole(principal) as ActorRole,
    email: principal.email ?? null,
  });
}

/** The actor of automatic changes (auto-close). */
export const SYSTEM_ACTOR: Actor = Object.assign(new Actor(), { id: "system", name: "casegraph", role: ActorRole.SYSTEM, email: null });
