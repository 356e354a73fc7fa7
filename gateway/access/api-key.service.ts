import type { DataSource } from "typeorm";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { type Principal, type Scope, SCOPES } from "../../subgraphs/kit/principal.js";
import { inTransaction, writeLock } from "../../subgraphs/kit/transaction.js";
import { AccessAdminError } from "./access-admin-error.js";
import { ApiKey } from "./api-key.entity.js";
import { generateApiKey, hashApiKey, isWellFormedApiKey, newApiKeyId } from "./api-key.format.js";
import { findPartner } from "./partner.service.js";

/** `lastUsedAt` is written at most this often per key (not on every request). */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Why a key was refused: for the audit log only; the client always gets the same 401. */
export type ApiKeyFailure = "malformed_api_key" | "unknown_api_key" | "revoked_api_key" | "expired_api_key";

export type ApiKeyAuthentication = { principal: Principal } | { principal: null; failure: ApiKeyFailure; keyId?: string; partnerId?: string };

export interface ApiKeyServiceOptions {
  logger: Logger;
  /** How long a rotated key keeps working after `rotate` (GatewayConfig.apiKeyRotationGraceSeconds). */
  rotationGraceSeconds: number;
  clock?: () => Date;
}

export interface NewApiKeyInput {
  partnerId: string;
  scopes: readonly string[];
  /** Limit to these of the partner's organizations; omitted or null = all it manages. */
  organizationIds?: readonly string[] | null;
  expiresAt?: Date | null;
  label?: string | null;
  /** Requests with the key may run persisted operations only. */
  persistedOnly?: boolean;
  /** Who ran the command (audit log). */
  actor?: string;
}

/** A key as shown once to its creator, with the stored record. */
export interface IssuedApiKey {
  key: string;
  record: ApiKey;
}

/**
 * Partner API keys: issue, list, rotate, revoke (audit-logged, never the secret), and the lookup the
 * gateway runs on every request. No cache: a revoked key is refused from the next request on, on
 * every gateway replica, since each request reads the row by its hash (one indexed lookup).
 */
export class ApiKeyService {
  private readonly clock: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: ApiKeyServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  async create(input: NewApiKeyInput): Promise<IssuedApiKey> {
    const partner = await findPartner(this.dataSource, input.partnerId);
    if (!partner) throw new AccessAdminError(`Unknown partner ${input.partnerId} (add it first: partner add)`);
    const scopes = checkScopes(input.scopes);
    let organizationIds: string[] | null = null;
    if (input.organizationIds) {
      organizationIds = [...new Set(input.organizationIds)].sort();
      if (organizationIds.length === 0) throw new AccessAdminError("--orgs needs at least one organization (leave it out for all)");
      const foreign = organizationIds.filter((id) => !partner.organizationIds.includes(id));
      if (foreign.length) throw new AccessAdminError(`Partner ${partner.id} does not manage ${foreign.join(", ")} (it manages ${partner.organizationIds.join(", ") || "none"})`);
    }
    const now = this.clock();
    if (input.expiresAt && !(input.expiresAt.getTime() > now.getTime())) throw new AccessAdminError("The expiry must be in the future");
    const label = input.label?.trim() || null;
    if (label && label.length > 100) throw new AccessAdminError("A label has at most 100 characters");
    const issued = await this.insert({ partnerId: partner.id, scopes, organizationIds, expiresAt: input.expiresAt ?? null, label, persistedOnly: input.persistedOnly ?? false }, now);
    this.audit("api_key_created", issued.record, input.actor);
    return issued;
  }

  /** Keys of a partner (or all), oldest first. */
  list(partnerId?: string): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ where: partnerId ? { partnerId } : {}, order: { createdAt: "ASC", id: "ASC" } });
  }

  /** Revokes a key at once; revoking a revoked key changes nothing. */
  async revoke(id: string, actor?: string): Promise<{ record: ApiKey; alreadyRevoked: boolean }> {
    const result = await inTransaction(this.dataSource, async (tx) => {
      const record = await tx.findOne(ApiKey, { where: { id }, ...writeLock(this.dataSource) });
      if (!record) throw new AccessAdminError(`No API key ${id}`);
      if (record.revokedAt) return { record, alreadyRevoked: true };
      record.revokedAt = this.clock();
      await tx.update(ApiKey, { id }, { revokedAt: record.revokedAt });
      return { record, alreadyRevoked: false };
    });
    if (!result.alreadyRevoked) this.audit("api_key_revoked", result.record, actor);
    return result;
  }

  /**
   * Issues a new key with the same partner, scopes, organizations and expiry, and lets the old one
   * work until now + the rotation grace period (or its own earlier expiry), then it stops working.
   */
  async rotate(id: string, actor?: string): Promise<IssuedApiKey & { previous: ApiKey }> {
    const now = this.clock();
    const result = await inTransaction(this.dataSource, async (tx) => {
      const previous = await tx.findOne(ApiKey, { where: { id }, ...writeLock(this.dataSource) });
      if (!previous) throw new AccessAdminError(`No API key ${id}`);
      if (previous.revokedAt) throw new AccessAdminError(`API key ${id} is revoked; create a new one`);
      if (previous.expiresAt && previous.expiresAt.getTime() <= now.getTime()) throw new AccessAdminError(`API key ${id} has expired; create a new one`);
      if (previous.replacedById) throw new AccessAdminError(`API key ${id} was already rotated to ${previous.replacedById}; rotate that one`);
      const issued = await this.insert(
        { partnerId: previous.partnerId, scopes: previous.scopes, organizationIds: previous.organizationIds, expiresAt: previous.expiresAt, label: previous.label, persistedOnly: previous.persistedOnly },
        now,
        tx,
      );
      const graceEnd = new Date(now.getTime() + this.options.rotationGraceSeconds * 1000);
      previous.expiresAt = previous.expiresAt && previous.expiresAt < graceEnd ? previous.expiresAt : graceEnd;
      previous.replacedById = issued.record.id;
      await tx.update(ApiKey, { id }, { expiresAt: previous.expiresAt, replacedById: previous.replacedById });
      return { ...issued, previous };
    });
    this.audit("api_key_rotated", result.record, actor, { previousKeyId: result.previous.id, previousKeyExpiresAt: result.previous.expiresAt!.toISOString() });
    return result;
  }

  /**
   * The principal of an `X-API-Key`, or why it was refused. Organizations are the key's limit
   * intersected with what the partner manages now (all it manages when the key has no limit).
   */
  async authenticate(key: string): Promise<ApiKeyAuthentication> {
    if (!isWellFormedApiKey(key)) return { principal: null, failure: "malformed_api_key" };
    const record = await this.dataSource.getRepository(ApiKey).findOneBy({ hash: hashApiKey(key) });
    if (!record) return { principal: null, failure: "unknown_api_key" };
    const now = this.clock();
    const refused = { principal: null, keyId: record.id, partnerId: record.partnerId };
    if (record.revokedAt) return { ...refused, failure: "revoked_api_key" };
    if (record.expiresAt && record.expiresAt.getTime() <= now.getTime()) return { ...refused, failure: "expired_api_key" };
    const partner = await findPartner(this.dataSource, record.partnerId);
    const managed = partner?.organizationIds ?? [];
    await this.recordUse(record, now);
    return {
      principal: {
        kind: "apiKey",
        id: record.id,
        // Shown to customers in case history: the public key id, never a part of the key.
        name: `${partner?.name ?? record.partnerId} (API key ${record.id})`,
        role: "partner",
        partnerId: record.partnerId,
        organizationIds: record.organizationIds ? record.organizationIds.filter((id) => managed.includes(id)) : managed,
        scopes: [...record.scopes],
      },
    };
  }

  /** A conditional UPDATE: with several replicas, still at most about one write per key per minute. */
  private async recordUse(record: ApiKey, now: Date): Promise<void> {
    const threshold = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    if (record.lastUsedAt && record.lastUsedAt > threshold) return;
    await this.dataSource.createQueryBuilder().update(ApiKey).set({ lastUsedAt: now }).where("id = :id", { id: record.id }).andWhere("(last_used_at IS NULL OR last_used_at <= :threshold)", { threshold }).execute();
  }

  /** Restricts a key to persisted operations, or lifts that restriction, from its next request on. */
  async setPersistedOnly(id: string, persistedOnly: boolean, actor?: string): Promise<ApiKey> {
    const record = await this.dataSource.getRepository(ApiKey).findOneBy({ id });
    if (!record) throw new AccessAdminError(`No API key ${id}`);
    if (record.persistedOnly !== persistedOnly) {
      await this.dataSource.getRepository(ApiKey).update({ id }, { persistedOnly });
      record.persistedOnly = persistedOnly;
      this.audit("api_key_policy_changed", record, actor, { persistedOnly });
    }
    return record;
  }

  private async insert(fields: Pick<ApiKey, "partnerId" | "scopes" | "organizationIds" | "expiresAt" | "label" | "persistedOnly">, now: Date, tx = this.dataSource.manager): Promise<IssuedApiKey> {
    const { key, hash, displayPrefix } = generateApiKey();
    const record = Object.assign(new ApiKey(), { ...fields, id: newApiKeyId(), hash, displayPrefix, createdAt: now, revokedAt: null, replacedById: null, lastUsedAt: null });
    await tx.insert(ApiKey, record);
    return { key, record };
  }

  private audit(event: string, record: ApiKey, actor: string | undefined, extra: Record<string, unknown> = {}): void {
    this.options.logger.info(
      {
        event,
        actor,
        keyId: record.id,
        displayPrefix: record.displayPrefix,
        partnerId: record.partnerId,
        scopes: record.scopes,
        organizationIds: record.organizationIds,
        expiresAt: record.expiresAt?.toISOString() ?? null,
        persistedOnly: record.persistedOnly,
        ...extra,
      },
      event.replace(/_/g, " "),
    );
  }
}

function checkScopes(scopes: readonly string[]): Scope[] {
  const unique = [...new Set(scopes.map((s) => s.trim()).filter(Boolean))];
  if (unique.length === 0) throw new AccessAdminError(`Give at least one scope (${SCOPES.join(", ")})`);
  const unknown = unique.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new AccessAdminError(`Unknown scope ${unknown.join(", ")} (scopes: ${SCOPES.join(", ")})`);
  return SCOPES.filter((s) => unique.includes(s));
}
