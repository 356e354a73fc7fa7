import { dirname, join } from "node:path";
import express, { type Request, type Router } from "express";
import { explorerPage } from "./explorer-page.js";
import { EXPLORER_SCRIPT } from "./explorer-script.js";

/** A file of an installed package: the exports maps of these packages hide their UMD builds, so go through package.json. */
function packageFile(packageName: string, file: string): string {
  return join(dirname(require.resolve(`${packageName}/package.json`)), file);
}

/** Every asset of the page, served from node_modules: nothing is fetched from a CDN, so the page works air-gapped. */
const ASSETS: Record<string, string> = {
  "react.production.min.js": packageFile("react", "umd/react.production.min.js"),
  "react-dom.production.min.js": packageFile("react-dom", "umd/react-dom.production.min.js"),
  "graphiql.min.js": packageFile("graphiql", "graphiql.min.js"),
  "graphiql.min.css": packageFile("graphiql", "graphiql.min.css"),
};

/**
 * The browser may load scripts, styles and fonts only from the gateway (GraphiQL's fonts are data:
 * URLs, CodeMirror sets inline styles) and may talk only to the gateway.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** A browser navigating to the URL, as opposed to a GraphQL client (curl's `*\/*` counts as a client). */
export function wantsHtml(req: Request): boolean {
  return req.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html";
}

/**
 * The GraphQL IDE (GraphiQL) at `GET /`, and at `GET /graphql` for browsers (other GET and POST
 * requests to /graphql go on to the API and its authentication). Mount it only when the explorer is on.
 */
export function explorerRouter(): Router {
  const router = express.Router();
  const sendPage: express.RequestHandler = (_req, res) => {
    res.set({ "Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" });
    res.type("html").send(explorerPage());
  };
  router.get("/", sendPage);
  router.get("/graphql", (req, res, next) => (wantsHtml(req) ? sendPage(req, res, next) : next()));
  router.get("/explorer/explorer.js", (_req, res) => {
    res.set({ "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" });
    res.type("text/javascript").send(EXPLORER_SCRIPT);
  });
  router.get("/explorer/:asset", (req, res, next) => {
    const file = Object.hasOwn(ASSETS, req.params.asset) ? ASSETS[req.params.asset] : undefined;
    if (!file) return next();
    res.set({ "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" });
    res.sendFile(file, { cacheControl: false });
  });
  return router;
}
