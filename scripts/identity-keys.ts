import { generateIdentityKeys } from "../subgraphs/kit/identity-keys.js";
import { runCommand } from "./run-command.js";

/**
 * `npm run identity-keys`: a fresh Ed25519 pair for identity tokens, as env lines (PEM on one line,
 * newlines written as \n, single-quoted so that shells and env files keep the backslashes).
 */
async function main(): Promise<void> {
  const keys = generateIdentityKeys().env;
  console.log(`# The gateway alone: it signs the identity it forwards to the subgraphs.
IDENTITY_PRIVATE_KEY='${keys.IDENTITY_PRIVATE_KEY}'
# Every subgraph (cases, attachments, threat-analysis): verifies those tokens, cannot sign one.
IDENTITY_PUBLIC_KEY='${keys.IDENTITY_PUBLIC_KEY}'`);
}

runCommand(main);
