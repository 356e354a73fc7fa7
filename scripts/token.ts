import { parseArgs } from "node:util";
import { signDevToken } from "../gateway/auth/bearer-token.js";
import { demoUser, DEMO_USERS, type TokenClaims } from "../gateway/auth/demo-users.js";
import { DEV_SECRET } from "../subgraphs/kit/env.js";
import { runCommand } from "./run-command.js";

const usage = `Prints a development bearer token, signed with JWT_SECRET (or the dev default).

  npm run token -- --user customer@acme.example
  npm run token -- --role partner --partner initech --name "Partner staff" --email staff@initech.example
  npm run token -- --user engineer@support.example --expires 1h

Demo users: ${DEMO_USERS.map((u) => u.email).join(", ")}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: "string" },
      role: { type: "string" },
      org: { type: "string" },
      partner: { type: "string" },
      name: { type: "string" },
      email: { type: "string" },
      sub: { type: "string" },
      expires: { type: "string", default: "12h" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return console.log(usage);
  let claims: TokenClaims | undefined;
  if (values.user) {
    claims = demoUser(values.user);
    if (!claims) throw new Error(`Unknown demo user ${values.user}.\n\n${usage}`);
  } else if (values.role === "customer" || values.role === "partner" || values.role === "engineer") {
    const email = values.email ?? `${values.role}@example.com`;
    claims = { sub: values.sub ?? email, name: values.name ?? email, email, role: values.role, org: values.org, partner: values.partner };
  } else {
    throw new Error(`Give --user or --role.\n\n${usage}`);
  }
  console.log(await signDevToken(claims, process.env.JWT_SECRET || DEV_SECRET, values.expires));
}

runCommand(main);
