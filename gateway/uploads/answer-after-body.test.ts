import { once } from "node:events";
import { type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Response } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerAfterBody } from "./answer-after-body.js";

/** A route that answers before it reads anything, as authentication or a database outage does. */
describe("answerAfterBody", () => {
  let server: Server;
  let answered: (res: Response) => void = () => undefined;
  beforeAll(async () => {
    const app = express();
    app.post("/graphql", answerAfterBody, (req, res) => {
      if (req.header("x-close")) res.setHeader("connection", "close");
      res
        .status(503)
        .setHeader("retry-after", "1")
        .json({ errors: [{ message: "down", extensions: { code: "SERVICE_UNAVAILABLE" } }] });
      answered(res);
    });
    server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends the first part of a body, waits for the route's answer on the server, then says whether it went out, and sends the rest. */
  async function earlyAnswer(contentType: string, headers: Record<string, string> = {}) {
    const handled = new Promise<Response>((resolve) => (answered = resolve));
    const { port } = server.address() as AddressInfo;
    const client = request({ host: "127.0.0.1", port, method: "POST", path: "/graphql", headers: { "content-type": contentType, "transfer-encoding": "chunked", ...headers } });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      client.on("response", (incoming: IncomingMessage) => {
        let body = "";
        incoming.on("data", (chunk: Buffer) => (body += chunk.toString()));
        incoming.on("end", () => resolve({ status: incoming.statusCode!, body }));
      });
      client.on("error", reject);
    });
    client.write('--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n');
    const res = await handled;
    const sentBeforeTheBodyEnded = res.headersSent;
    client.end(`--b\r\nContent-Disposition: form-data; name="0"; filename="a.bin"\r\n\r\n${"x".repeat(200_000)}\r\n--b--\r\n`);
    return { sentBeforeTheBodyEnded, ...(await response) };
  }

  it("holds an answer to a multipart request until its body has been read, then sends it whole", async () => {
    const result = await earlyAnswer("multipart/form-data; boundary=b");
    expect(result.sentBeforeTheBodyEnded).toBe(false);
    expect(result.status).toBe(503);
    expect(JSON.parse(result.body).errors[0].extensions.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("sends at once an answer that closes the connection, and any answer to a request that is not multipart", async () => {
    expect((await earlyAnswer("multipart/form-data; boundary=b", { "x-close": "1" })).sentBeforeTheBodyEnded).toBe(true);
    expect((await earlyAnswer("application/json")).sentBeforeTheBodyEnded).toBe(true);
  });
});
