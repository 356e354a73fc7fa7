import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type Express, type RequestHandler } from "express";
import type { DataSource } from "typeorm";
import { createDataSource, isDatabaseReachable } from "../subgraphs/kit/database.js";
import { createLogger, type Logger } from "../subgraphs/kit/logger.js";
import { maskErrors } from "../subgraphs/kit/masked-errors.js";
import type { Principal } from "../subgraphs/kit/principal.js";
import { Partner, PartnerOrganization } from "./access/partner.entity.js";
import { ensureDemoPartners } from "./access/partner.service.js";
import { type Authenticator, createAuthenticator } from "./auth/authenticate.js";
import { createBearerVerifier } from "./auth/bearer-token.js";
import type { GatewayConfig } from "./config.js";
import type { GatewayContext } from "./gateway-context.js";
import { IdentityForwardingDataSource } from "./identity-forwarding.js";
import { gatewayMigrations } from "./migrations/index.js";

export const gatewayEntities = [Partner, PartnerOrganization];

export interface Gateway {
  app: Express;
  dataSource: DataSource;
  logger: Logger;
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

function unauthenticated(res: express.Response): void {
  res.status(401).json({ errors: [{ message: "Send a valid bearer token (Authorization: Bearer ...) or partner API key (X-API-Key)", extensions: { code: "UNAUTHENTICATED" } }] });
}

/**
 * The public entry point: authenticates, plans queries over the committed supergraph, and calls
 * the subgraphs with the caller's identity. Built without listening (tests use it as it is).
 */
export async function createGateway(config: GatewayConfig): Promise<Gateway> {
  const logger = createLogger("gateway", config.logLevel);
  const dataSource = createDataSource({ url: config.databaseUrl, sqlitePath: config.sqlitePath, entities: gatewayEntities, migrations: gatewayMigrations });
  await dataSource.initialize();
  await ensureDemoPartners(dataSource);
  const authenticate: Authenticator = createAuthenticator(
    createBearerVerifier({ jwtSecret: config.jwtSecret, jwksUrl: config.jwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience }),
    dataSource,
  );

  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(config.supergraphPath, "utf8"),
    buildService: ({ name, url }) => new IdentityForwardingDataSource(name, config.subgraphUrls[name] ?? url!, config.identitySecret, config.subgraphTimeoutMs),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: config.explorer,
    includeStacktraceInErrorResponses: false,
    formatError: maskErrors(logger),
  });
  await apollo.start();

  const requireIdentity: RequestHandler = async (req, res, next) => {
    if (req.method === "OPTIONS") return next();
    const principal = await authenticate(req.headers);
    if (!principal) {
      logger.warn({ event: "authentication_failed", ip: req.ip, path: req.path }, "authentication failed");
      return unauthenticated(res);
    }
    res.locals.principal = principal;
    next();
  };

  const app = express();
  app.disable("x-powered-by");
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: "gateway" });
  });
  app.get("/ready", async (_req, res) => {
    const ready = await isDatabaseReachable(dataSource);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "database unreachable", service: "gateway" });
  });
  app.use(
    "/graphql",
    requireIdentity,
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, {
      context: async ({ res }) => ({
        principal: res.locals.principal as Principal,
        requestId: randomUUID(),
        identityTokens: new Map(),
      }),
    }),
  );

  let server: Server | undefined;
  return {
    app,
    dataSource,
    logger,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server = app.listen(port, host, (error?: Error) => {
          if (error) return reject(error);
          resolve(`http://${host}:${(server!.address() as AddressInfo).port}/graphql`);
        });
      });
    },
    async stop() {
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
      await dataSource.destroy();
    },
  };
}
