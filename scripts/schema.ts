import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { printApiSchema } from "../gateway/subscriptions/subscription-schema.js";
import { composeSupergraph } from "./supergraph.js";
import { runCommand } from "./run-command.js";

/** `npm run schema`: writes schema/<subgraph>.graphql, schema/supergraph.graphql and the clients' schema/api.graphql from the code. */
async function main(): Promise<void> {
  const directory = join(process.cwd(), "schema");
  mkdirSync(directory, { recursive: true });
  const { subgraphs, supergraphSdl } = await composeSupergraph();
  for (const { name, sdl } of subgraphs) {
    writeFileSync(join(directory, `${name}.graphql`), sdl);
    console.log(`wrote schema/${name}.graphql`);
  }
  writeFileSync(join(directory, "supergraph.graphql"), supergraphSdl);
  console.log("wrote schema/supergraph.graphql");
  // What clients see at the gateway: the supergraph's API schema and the gateway's own Subscription type.
  writeFileSync(join(directory, "api.graphql"), await printApiSchema(supergraphSdl));
  console.log("wrote schema/api.graphql");
}

runCommand(main);
