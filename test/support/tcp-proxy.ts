import { createServer, type Server, type Socket, connect } from "node:net";

/** A TCP proxy on localhost whose link can be cut and restored, to play a database outage (or a mobile link that drops). */
export interface TcpProxy {
  port: number;
  /** Bytes the clients sent through the proxy so far (towards the target). */
  readonly bytesFromClients: number;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number, options: { onClientData?: (bytesFromClients: number) => void } = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let bytesFromClients = 0;
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server?.listening) return resolve();
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => socket.destroy());
        }
        client.on("data", (chunk: Buffer) => {
          bytesFromClients += chunk.length;
          options.onClientData?.(bytesFromClients);
        });
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server?.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    get port() {
      return port;
    },
    get bytesFromClients() {
      return bytesFromClients;
    },
    cut: stop,
    restore: listen,
    close: stop,
  };
}
