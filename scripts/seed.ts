import { DEV_SECRET } from "../subgraphs/kit/env.js";
import { demoClient, loadDemoData } from "./demo-data.js";
import { runCommand } from "./run-command.js";

/** `npm run seed`: loads the demo story into a running graph (GATEWAY_URL, default http://localhost:4000/graphql). */
async function main(): Promise<void> {
  const gatewayUrl = process.env.GATEWAY_URL || "http://localhost:4000/graphql";
  console.log(`loading demo data through ${gatewayUrl}`);
  const created = await loadDemoData(demoClient(gatewayUrl, process.env.JWT_SECRET || DEV_SECRET));
  console.log(created ? `created ${created} demo cases` : "the graph has cases already; nothing to do");
}

runCommand(main);
