import type { DataSource, EntityManager } from "typeorm";
import type { Logger } from "../../subgraphs/kit/logger.js";
import { inTransaction } from "../../subgraphs/kit/transaction.js";
import { AccessAdminError } from "../access/access-admin-error.js";
import type { ManifestOperation } from "./manifest.js";
import { sha256Hex } from "./manifest.js";
import { PersistedOperation, PersistedOperationRelease } from "./persisted-operation.entity.js";

export const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const CLIENT_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;

/** A published client release, as `list` shows it. */
export interface ClientRelease {
  clientName: string;
  clientVersion: string;
  operations: number;
  publishedAt: Date;
  retiredAt: Date | null;
}

/** A live operation, as a request finds it. */
export type KnownOperation = Pick<PersistedOperation, "id" | "body" | "name" | "type">;

export interface PersistedOperationsOptions {
  logger: Logger;
  clock?: () => Date;
}

function checkRelease(clientName: string, clientVersion: string): void {
  if (!CLIENT_NAME.test(clientName)) throw new AccessAdminError(`"${clientName}" is not a valid client name (letters, digits, . _ -; at most 100)`);
  if (!CLIENT_VERSION.test(clientVersion)) throw new AccessAdminError(`"${clientVersion}" is not a valid version (letters, digits, . + _ -; at most 64)`);
}

/**
 * The trusted documents of the graph's own clients: releases are published from a client build's
 * manifest and retired when that build is no longer in use. A request's id is looked up on every
 * request (one indexed read, no cache), so a retired release stops from the next request on, on
 * every gateway replica.
 */
export class PersistedOperationsService {
  private readonly clock: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: PersistedOperationsOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Publishes the operations of one client release. Publishing the same release again with the same
   * operations changes nothing; with other operations it is refused (publish a new version instead).
   */
  async publish(clientName: string, clientVersion: string, operations: ManifestOperation[], actor?: string): Promise<{ added: number; alreadyPublished: boolean }> {
    checkRelease(clientName, clientVersion);
    const now = this.clock();
    const result = await inTransaction(this.dataSource, async (tx) => {
      const existing = await tx.find(PersistedOperationRelease, { where: { clientName, clientVersion } });
      if (existing.length > 0) {
        const same = existing.length === operations.length && operations.every((op) => existing.some((row) => row.operationId === op.id));
        if (!same) throw new AccessAdminError(`${clientName} ${clientVersion} is already published with other operations: publish a new version`);
        if (existing.some((row) => row.retiredAt)) throw new AccessAdminError(`${clientName} ${clientVersion} was retired: publish a new version`);
        return { added: 0, alreadyPublished: true };
      }
      const added = await this.insertOperations(tx, operations, now);
      await tx.insert(
        PersistedOperationRelease,
        operations.map((op) => ({ clientName, clientVersion, operationId: op.id, publishedAt: now, retiredAt: null })),
      );
      return { added, alreadyPublished: false };
    });
    if (!result.alreadyPublished) this.options.logger.info({ event: "operations_published", actor, clientName, clientVersion, operations: operations.length, newOperations: result.added }, "operations published");
    return result;
  }

  private async insertOperations(tx: EntityManager, operations: ManifestOperation[], now: Date): Promise<number> {
    const known = new Set<string>();
    for (let i = 0; i < operations.length; i += 500) {
      const ids = operations.slice(i, i + 500).map((op) => op.id);
      const rows = await tx.createQueryBuilder(PersistedOperation, "o").select("o.id", "id").where("o.id IN (:...ids)", { ids }).getRawMany<{ id: string }>();
      for (const row of rows) known.add(row.id);
    }
    const fresh = operations.filter((op) => !known.has(op.id));
    for (let i = 0; i < fresh.length; i += 200) {
      await tx.insert(
        PersistedOperation,
        fresh.slice(i, i + 200).map((op) => ({ id: op.id, bodySha256: op.bodySha256, body: op.body, name: op.name, type: op.type, createdAt: now })),
      );
    }
    return fresh.length;
  }

  /** Releases, newest first per client (all clients, or one). */
  async list(clientName?: string): Promise<ClientRelease[]> {
    const query = this.dataSource
      .createQueryBuilder(PersistedOperationRelease, "r")
      .select("r.client_name", "clientName")
      .addSelect("r.client_version", "clientVersion")
      .addSelect("COUNT(*)", "operations")
      .addSelect("MIN(r.published_at)", "publishedAt")
      .addSelect("MAX(r.retired_at)", "retiredAt")
      .groupBy("r.client_name")
      .addGroupBy("r.client_version")
      .orderBy("r.client_name", "ASC")
      .addOrderBy("MIN(r.published_at)", "DESC");
    if (clientName) query.where("r.client_name = :clientName", { clientName });
    const rows = await query.getRawMany<{ clientName: string; clientVersion: string; operations: string | number; publishedAt: string | Date; retiredAt: string | Date | null }>();
    const date = (value: string | Date) => (value instanceof Date ? value : new Date(/Z$|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(" ", "T")}Z`));
    return rows.map((row) => ({
      clientName: row.clientName,
      clientVersion: row.clientVersion,
      operations: Number(row.operations),
      publishedAt: date(row.publishedAt),
      retiredAt: row.retiredAt === null ? null : date(row.retiredAt),
    }));
  }

  /** The operations of one release, by name. */
  async operationsOf(clientName: string, clientVersion: string): Promise<PersistedOperation[]> {
    return this.dataSource
      .createQueryBuilder(PersistedOperation, "o")
      .innerJoin(PersistedOperationRelease, "r", "r.operation_id = o.id")
      .where("r.client_name = :clientName AND r.client_version = :clientVersion", { clientName, clientVersion })
      .orderBy("o.name", "ASC")
      .addOrderBy("o.id", "ASC")
      .getMany();
  }

  /** Retires a release: its operations stop working from the next request on, unless a live release has them too. */
  async retire(clientName: string, clientVersion: string, actor?: string): Promise<{ operations: number; alreadyRetired: boolean }> {
    checkRelease(clientName, clientVersion);
    const rows = await this.dataSource.getRepository(PersistedOperationRelease).find({ where: { clientName, clientVersion } });
    if (rows.length === 0) throw new AccessAdminError(`No release ${clientName} ${clientVersion} (see list)`);
    if (rows.every((row) => row.retiredAt)) return { operations: rows.length, alreadyRetired: true };
    await this.dataSource
      .createQueryBuilder()
      .update(PersistedOperationRelease)
      .set({ retiredAt: this.clock() })
      .where("client_name = :clientName AND client_version = :clientVersion AND retired_at IS NULL", { clientName, clientVersion })
      .execute();
    this.options.logger.info({ event: "operations_retired", actor, clientName, clientVersion, operations: rows.length }, "operations retired");
    return { operations: rows.length, alreadyRetired: false };
  }

  private live() {
    return this.dataSource
      .createQueryBuilder(PersistedOperation, "o")
      .select(["o.id", "o.body", "o.name", "o.type"])
      .where("EXISTS (SELECT 1 FROM persisted_operation_releases r WHERE r.operation_id = o.id AND r.retired_at IS NULL)");
  }

  /** The live operation a request's id names: by its manifest id, else (Apollo's sha256Hash) by the SHA-256 of its text. */
  async find(id: string): Promise<KnownOperation | null> {
    const byId = await this.live().andWhere("o.id = :id", { id }).getOne();
    if (byId || !/^[0-9a-f]{64}$/.test(id)) return byId;
    return this.live().andWhere("o.body_sha256 = :id", { id }).getOne();
  }

  /** The live operation whose text is exactly `query` (a persisted-only caller that sends the text of a published operation). */
  async findByText(query: string): Promise<KnownOperation | null> {
    const candidates = await this.live()
      .andWhere("o.body_sha256 = :hash", { hash: sha256Hex(query) })
      .getMany();
    return candidates.find((op) => op.body === query) ?? null;
  }
}
