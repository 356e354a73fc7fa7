import { type ServiceName, SUBGRAPH_NAMES, SUBGRAPHS, subgraphUrl } from "../../subgraphs/kit/topology.js";
import { TEST_FILE_LINK_SECRET, TEST_IDENTITY_KEYS } from "./identity-keys.js";

/** What docker-compose.yml's identity provider variables stand for, in tests that do not call it. */
export const PRODUCTION_IDP_ENV = { JWKS_URL: "https://idp.example/.well-known/jwks.json", JWT_ISSUER: "https://idp.example/", JWT_AUDIENCE: "casegraph" };

// docker-compose.yml names each subgraph's container after it, on its default port.
const SHARED = { NODE_ENV: "production", ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [SUBGRAPHS[name].urlVariable, subgraphUrl(name, SUBGRAPHS[name].port, name)])) };
const SUBGRAPH = { ...SHARED, IDENTITY_PUBLIC_KEY: TEST_IDENTITY_KEYS.env.IDENTITY_PUBLIC_KEY };

/**
 * Each service's environment as docker-compose.yml sets it (with the test key pair, file-link secret
 * and `PRODUCTION_IDP_ENV` where compose asks the operator for them, and compose's defaults elsewhere).
 */
export const PRODUCTION_ENV: Record<ServiceName, Record<string, string>> = {
  cases: { ...SUBGRAPH, CASES_HOST: "0.0.0.0", CASES_DATABASE_URL: "mysql://root:casegraph@mysql:3306/casegraph_cases" },
  attachments: {
    ...SUBGRAPH,
    FILE_LINK_SECRET: TEST_FILE_LINK_SECRET,
    ATTACHMENTS_HOST: "0.0.0.0",
    ATTACHMENTS_DATABASE_URL: "mysql://root:casegraph@mysql:3306/casegraph_attachments",
    PUBLIC_URL: "http://localhost:4000",
    BLOB_STORE: "s3",
    S3_BUCKET: "casegraph",
    S3_ENDPOINT: "http://minio:9000",
    S3_ACCESS_KEY_ID: "casegraph",
    S3_SECRET_ACCESS_KEY: "casegraph-secret",
  },
  "threat-analysis": { ...SUBGRAPH, THREATS_HOST: "0.0.0.0", THREATS_DATABASE_URL: "mysql://root:casegraph@mysql:3306/casegraph_threats" },
  gateway: {
    ...SHARED,
    GATEWAY_HOST: "0.0.0.0",
    GATEWAY_DATABASE_URL: "mysql://root:casegraph@mysql:3306/casegraph_gateway",
    PUBLIC_URL: "http://localhost:4000",
    IDENTITY_PRIVATE_KEY: TEST_IDENTITY_KEYS.env.IDENTITY_PRIVATE_KEY,
    FILE_LINK_SECRET: TEST_FILE_LINK_SECRET,
    ...PRODUCTION_IDP_ENV,
    REDIS_URL: "redis://redis:6379",
  },
};

/** The variables each service cannot start without in production (docker-compose.yml asks for each with `${NAME:?...}`). */
export const REQUIRED_IN_PRODUCTION: Record<ServiceName, string[]> = {
  cases: ["IDENTITY_PUBLIC_KEY"],
  attachments: ["IDENTITY_PUBLIC_KEY", "FILE_LINK_SECRET"],
  "threat-analysis": ["IDENTITY_PUBLIC_KEY"],
  gateway: ["IDENTITY_PRIVATE_KEY", "FILE_LINK_SECRET", "JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"],
};
