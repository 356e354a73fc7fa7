import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { composeSupergraph } from "./supergraph.js";
import { runCommand } from "./run-command.js";

/** `npm run schema`: writes schema/<subgraph>.graphql and schema/supergraph.graphql from the code. */
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
}

runCommand(main);
