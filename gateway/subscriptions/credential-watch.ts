import type { IncomingHttpHeaders } from "node:http";
import type { GraphQLFormattedError } from "graphql";
import { decodeJwt } from "jose";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import type { Authenticator } from "../auth/authenticate.js";
import type { Credential, SubscriberSession, SubscriptionHub } from "./subscription-hub.js";

/** The longest setTimeout accepts; a token valid longer is looked at again by the periodic check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The credential headers of a connection (connectionParams or request headers), as the authenticator reads them. */
export function credentialOf(source: Record<string, unknown> | IncomingHttpHeaders | undefined | null): Credential {
  const pick = (name: string): string | undefined => {
    if (!source) return undefined;
    const found = Object.entries(source).find(([key]) => key.toLowerCase() === name)?.[1];
    return typeof found === "string" ? found : undefined;
  };
  const authorization = pick("authorization");
  const apiKey = pick("x-api-key");
  const credential: Credential = { authorization, apiKey };
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (bearer) {
    try {
      const { exp } = decodeJwt(bearer);
      if (typeof exp === "number") credential.expiresAt = exp * 1000;
    } catch {
      // Not a JWT: the authenticator refuses it.
    }
  }
  return credential;
}

export function headersOf(credential: Credential): IncomingHttpHeaders {
  return { ...(credential.authorization !== undefined ? { authorization: credential.authorization } : {}), ...(credential.apiKey !== undefined ? { "x-api-key": credential.apiKey } : {}) };
}

export function unauthenticatedError(message: string): GraphQLFormattedError {
  return { message, extensions: { code: ErrorCode.UNAUTHENTICATED } };
}

function sameOrganizations(a: Principal, b: Principal): boolean {
  return (a.organizationIds?.join(",") ?? "*") === (b.organizationIds?.join(",") ?? "*");
}

export interface CredentialWatchOptions {
  hub: SubscriptionHub;
  authenticate: Authenticator;
  logger: Logger;
  /** How often every open session's credential is checked again (API keys revoked or expired, organizations changed). */
  recheckMs: number;
}

/**
 * Ends the subscriptions of a credential that stops being valid, with UNAUTHENTICATED: a bearer token at its
 * `exp` (a timer per session), an API key revoked or expired at the next check (every `recheckMs`, one
 * authentication per distinct credential). A check that still authenticates takes the principal's current
 * organizations, so that a partner who stopped managing one stops receiving its events.
 */
export class CredentialWatch {
  private readonly expiries = new Map<SubscriberSession, NodeJS.Timeout>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(private readonly options: CredentialWatchOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.recheck(), this.options.recheckMs);
    this.timer.unref();
  }

  /** Watches a session from its start: the timer at its token's expiry. */
  watch(session: SubscriberSession): void {
    const { expiresAt } = session.credential;
    if (expiresAt === undefined) return;
    const delay = expiresAt - Date.now();
    if (delay > MAX_TIMER_MS) return;
    const timer = setTimeout(() => this.expire(session), Math.max(0, delay));
    timer.unref();
    this.expiries.set(session, timer);
  }

  /** The session ended on its own (the client went): no timer left behind. */
  forget(session: SubscriberSession): void {
    clearTimeout(this.expiries.get(session));
    this.expiries.delete(session);
  }

  /**
   * Checks every open session's credential as of `now` (tests move it forward instead of waiting): expired
   * tokens end at once; the others are authenticated again, once per distinct credential.
   */
  recheck(now: number = Date.now()): Promise<void> {
    this.checking ??= this.checkAll(now).finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
  }

  private expire(session: SubscriberSession): void {
    this.forget(session);
    this.options.hub.endSession(session, unauthenticatedError("The bearer token expired: connect again with a fresh one (then subscribe with after: the last event id received)"));
  }

  private async checkAll(now: number): Promise<void> {
    const byCredential = new Map<string, SubscriberSession[]>();
    for (const session of this.options.hub.openSessions()) {
      if (session.credential.expiresAt !== undefined && session.credential.expiresAt <= now) {
        this.expire(session);
        continue;
      }
      const key = `${session.credential.authorization ?? ""}\u0000${session.credential.apiKey ?? ""}`;
      const group = byCredential.get(key);
      if (group) group.push(session);
      else byCredential.set(key, [session]);
    }
    for (const sessions of byCredential.values()) {
      try {
        const { principal } = await this.options.authenticate(headersOf(sessions[0]!.credential));
        for (const session of sessions) {
          if (!principal) {
            this.forget(session);
            this.options.hub.endSession(session, unauthenticatedError("The credential of this connection is no longer valid (revoked or expired): connect again with a valid one"));
          } else if (!sameOrganizations(principal, session.principal)) {
            this.options.hub.updatePrincipal(session, principal);
          }
        }
      } catch (error) {
        // The gateway's database is unreachable: keep the sessions, check again next time.
        this.options.logger.warn({ err: error }, "subscription credentials could not be checked; the next check retries");
      }
    }
  }
}
