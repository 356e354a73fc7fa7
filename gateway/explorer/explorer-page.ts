import { CREDENTIAL_HINT, DEFAULT_HEADERS, savedOperations } from "./explorer-operations.js";

/** What the page hands its script: where to POST operations, the tabs and the headers template. */
export interface ExplorerPageConfig {
  endpoint: string;
  tabs: ReturnType<typeof savedOperations>;
  defaultHeaders: string;
  /** Shown instead of a request while no tab has a credential. */
  credentialHint: string;
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can end it early. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The IDE page: every asset comes from the gateway's own /explorer/ routes. */
export function explorerPage(now: Date = new Date()): string {
  const config: ExplorerPageConfig = { endpoint: "/graphql", tabs: savedOperations(now.getUTCFullYear()), defaultHeaders: DEFAULT_HEADERS, credentialHint: CREDENTIAL_HINT };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>casegraph explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/explorer/graphiql.min.css">
<style>html, body, #explorer { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="explorer">Loading the GraphQL explorer…</div>
<script type="application/json" id="explorer-config">${jsonForScript(config)}</script>
<script src="/explorer/react.production.min.js"></script>
<script src="/explorer/react-dom.production.min.js"></script>
<script src="/explorer/graphiql.min.js"></script>
<script src="/explorer/explorer.js"></script>
</body>
</html>
`;
}
