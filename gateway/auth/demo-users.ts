/** Token claims (README.md, "Who may see what"): what an identity provider issues and what `npm run token` mints. */
export interface TokenClaims {
  sub: string;
  name: string;
  email: string;
  role: "customer" | "partner" | "engineer";
  org?: string;
  partner?: string;
}

/** The demo users (fixed ids, so that docs and examples work). */
export const DEMO_USERS: TokenClaims[] = [
  { sub: "u-acme-customer", name: "Aiko Tanaka", email: "customer@acme.example", role: "customer", org: "acme" },
  { sub: "u-globex-customer", name: "Hank Scorpio", email: "customer@globex.example", role: "customer", org: "globex" },
  { sub: "u-initech-staff", name: "Peter Gibbons", email: "staff@initech.example", role: "partner", partner: "initech" },
  { sub: "u-engineer", name: "Kenji Sato", email: "engineer@support.example", role: "engineer" },
];

export function demoUser(email: string): TokenClaims | undefined {
  return DEMO_USERS.find((user) => user.email === email.toLowerCase());
}
