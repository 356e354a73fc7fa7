import { Column } from "typeorm";
import { Actor, type ActorRole } from "../../kit/actor.js";

/**
 * The columns of an actor that may not be there yet (who started or answered a request): the same
 * columns as an embedded `Actor`, all nullable. `actorOrNull` turns them into the `Actor` clients see.
 */
export class OptionalActorColumns {
  @Column({ type: "varchar", length: 128, nullable: true })
  id: string | null;

  @Column({ type: "varchar", length: 200, nullable: true })
  name: string | null;

  @Column({ type: "varchar", length: 16, nullable: true })
  role: ActorRole | null;

  @Column({ type: "varchar", length: 254, nullable: true })
  email: string | null;
}

/** The actor stored in `columns`, or null when none is. */
export function actorOrNull(columns: OptionalActorColumns | null | undefined): Actor | null {
  if (!columns?.id || !columns.name || !columns.role) return null;
  return Object.assign(new Actor(), { id: columns.id, name: columns.name, role: columns.role, email: columns.email ?? null });
}

/** Columns that hold no actor. */
export function noActor(): OptionalActorColumns {
  return Object.assign(new OptionalActorColumns(), { id: null, name: null, role: null, email: null });
}

/** Columns holding `actor`. */
export function actorColumns(actor: Actor): OptionalActorColumns {
  return Object.assign(new OptionalActorColumns(), { id: actor.id, name: actor.name, role: actor.role, email: actor.email ?? null });
}
