import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import type { Scope } from "../../subgraphs/kit/principal.js";

const commaList = { to: (value: string[]) => value.join(","), from: (value: string) => (value ? value.split(",") : []) };

/**
 * A partner API key. The key itself is never stored: only its SHA-256 `hash` (looked up on every
 * request) and `displayPrefix` (how people recognise it in listings and audit logs).
 */
@Entity("api_keys")
@Index(["partnerId", "createdAt"])
export class ApiKey {
  /** Public id (`key_...`), used by the CLI and in audit log lines. */
  @PrimaryColumn({ type: "varchar", length: 32 })
  id: string;

  @Column({ type: "varchar", length: 64 })
  partnerId: string;

  @Index({ unique: true })
  @Column({ type: "varchar", length: 64 })
  hash: string;

  /** `csk_` and the first 8 random characters. */
  @Column({ type: "varchar", length: 16 })
  displayPrefix: string;

  @Column({ type: "varchar", length: 100, nullable: true })
  label: string | null;

  @Column({ type: "varchar", length: 255, transformer: commaList })
  scopes: Scope[];

  /** Organizations the key is limited to (a subset of the partner's); null = all the partner manages. */
  @Column({ type: "simple-json", nullable: true })
  organizationIds: string[] | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;

  /** When the key stops working; set to the end of the grace period when it is rotated. */
  @Column({ type: "datetime", precision: 3, nullable: true })
  expiresAt: Date | null;

  /** The revoked flag: a revoked key never works again. */
  @Column({ type: "datetime", precision: 3, nullable: true })
  revokedAt: Date | null;

  /** The key that replaced this one (`rotate`). */
  @Column({ type: "varchar", length: 32, nullable: true })
  replacedById: string | null;

  /**
   * Persisted operations only (`--persisted-only`): requests with this key may run published operations
   * (trusted documents, `npm run operations`) and nothing else.
   */
  @Column({ type: "boolean", default: false })
  persistedOnly: boolean;

  /** Updated at most once a minute per key, so that authentication does not write on every request. */
  @Column({ type: "datetime", precision: 3, nullable: true })
  lastUsedAt: Date | null;
}
