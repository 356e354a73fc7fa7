/** Scopes a partner API key can carry; a user's role implies its scopes. */
export const SCOPES = ["cases:read", "cases:write", "attachments:write", "threats:write", "webhooks:manage"] as const;

/**
 * The one scope of the gateway's relays (gateway/relay/): it opens the subgraphs' internal delivery fields
 * and nothing else. Not in SCOPES, so no user and no API key can ever hold it.
 */
export const RELAY_SCOPE = "internal:relay";
export type Scope = (typeof SCOPES)[number] | typeof RELAY_SCOPE;

export type Role = "customer" | "partner" | "engineer" | "system";

/**
 * Who is calling, as established by the gateway and forwarded to every subgraph in the signed
 * identity token. Subgraphs never read credentials themselves.
 */
export interface Principal {
  /** `user` for bearer tokens, `apiKey` for partner integrations, `system` for the gateway's own background work. */
  kind: "user" | "apiKey" | "system";
  /** User id (`sub`) or API key id. */
  id: string;
  name: string;
  email?: string;
  role: Role;
  partnerId?: string;
  /** Organizations whose cases the caller may see; `null` means all (engineers). */
  organizationIds: string[] | null;
  scopes: Scope[];
}

/**
 * The gateway's relays (gateway/relay/): they deliver what a request left behind, after it is gone —
 * the cases subgraph's pending file confirm/release commands to the attachments subgraph, and the
 * threat-analysis subgraph's case activity to the cases subgraph.
 * No organization and no client scope, so every ordinary resolver gives it nothing; only the
 * internal fields that check `isRelay` accept it. Only the gateway can sign it (it alone holds the
 * identity private key).
 */
export const RELAY_PRINCIPAL: Principal = Object.freeze<Principal>({
  kind: "system",
  id: "reservation-relay",
  name: "Reservation relay",
  role: "system",
  organizationIds: [],
  scopes: [RELAY_SCOPE],
});

/** True only for the relay's system principal: the kind and the scope no client credential can carry. */
export function isRelay(principal: Principal): boolean {
  return principal.kind === "system" && principal.role === "system" && hasScope(principal, RELAY_SCOPE);
}

export function canSeeOrganization(principal: Principal, organizationId: string): boolean {
  return principal.organizationIds === null || principal.organizationIds.includes(organizationId);
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope);
}

export function isEngineer(principal: Principal): boolean {
  return principal.role === "engineer";
}

/** The actor role recorded in history and shown to clients. */
export function actorRole(principal: Principal): "CUSTOMER" | "PARTNER" | "ENGINEER" | "SYSTEM" {
  switch (principal.role) {
    case "system":
      return "SYSTEM";
    case "engineer":
      return "ENGINEER";
    case "partner":
      return "PARTNER";
    default:
      return "CUSTOMER";
  }
}
