import { signIdentity } from "../../subgraphs/kit/identity.js";
import { generateIdentityKeys } from "../../subgraphs/kit/identity-keys.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { identityAudience, isSubgraphName } from "../../subgraphs/kit/topology.js";

/** The identity key pair of this test process, made once; graphs started by tests get it through their env. */
export const TEST_IDENTITY_KEYS = generateIdentityKeys();

export const TEST_FILE_LINK_SECRET = "test-file-link-secret-of-at-least-32-chars";

/** What every service of a test graph gets: the gateway its private key, the subgraphs the public key, both the file-link secret. */
export const TEST_KEY_ENV: Record<string, string> = { ...TEST_IDENTITY_KEYS.env, FILE_LINK_SECRET: TEST_FILE_LINK_SECRET };

/**
 * An identity token as the test graph's gateway signs it: for a subgraph of the topology, with that
 * subgraph's audience (itself and those it calls onward); for any other name, for that name alone.
 */
export function signTestIdentity(principal: Principal, subgraph: string, now = Date.now()): string {
  return signIdentity(principal, isSubgraphName(subgraph) ? identityAudience(subgraph) : [subgraph], TEST_IDENTITY_KEYS.privateKey, now);
}
