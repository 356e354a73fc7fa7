/** Scopes a partner API key can carry; a user's role implies its scopes. */
export const SCOPES = ["cases:read", "cases:write", "attachments:write", "threats:write"] as const;
export type Scope = (typeof SCOPES)[number];

export type Role = "customer" | "partner" | "engineer";

/**
 * Who is calling, as established by the gateway and forwarded to every subgraph in the signed
 * identity token. Subgraphs never read credentials themselves.
 */
export interface Principal {
  /** `user` for bearer tokens, `apiKey` for partner integrations. */
  kind: "user" | "apiKey";
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
export function actorRole(principal: Principal): "CUSTOMER" | "PARTNER" | "ENGINEER" {
  switch (principal.role) {
    case "engineer":
      return "ENGINEER";
    case "partner":
      return "PARTNER";
    default:
      return "CUSTOMER";
  }
}
