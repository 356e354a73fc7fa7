import type { Server } from "node:http";

/** How long in-flight requests (and uploads) may take to finish once a service is told to stop. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * Stops accepting connections, lets in-flight requests finish for up to `graceMs`, then cuts what
 * is left. Idle keep-alive connections are closed at once so that they do not hold the exit.
 */
export function closeGracefully(server: Server | undefined, graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
  if (!server || !server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    deadline.unref();
    // Connections become idle as their request finishes: close them as they do, not after keep-alive.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
