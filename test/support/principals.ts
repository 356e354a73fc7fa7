import { SCOPES, type Principal } from "../../subgraphs/kit/principal.js";

/** Principals as the gateway forwards them, for tests that call a subgraph directly. */
export const PRINCIPALS = {
  acme: { kind: "user", id: "u-acme-customer", name: "Aiko Tanaka", email: "customer@acme.example", role: "customer", organizationIds: ["acme"], scopes: [...SCOPES] },
  globex: { kind: "user", id: "u-globex-customer", name: "Hank Scorpio", email: "customer@globex.example", role: "customer", organizationIds: ["globex"], scopes: [...SCOPES] },
  engineer: { kind: "user", id: "u-engineer", name: "Kenji Sato", email: "engineer@support.example", role: "engineer", organizationIds: null, scopes: [...SCOPES] },
} satisfies Record<string, Principal>;
