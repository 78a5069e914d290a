/**
 * Store ports: the durable state the mesh engine needs. SQLite implements them in
 * production (src/storage/), in-memory versions in tests; both pass the same compliance
 * suite (test/storage/store-compliance.ts). Calls are synchronous (better-sqlite3 is).
 * Keys are lowercase hex strings; times are ms since the Unix epoch.
 */
export interface PeerRecord {
  /** 16 lowercase hex characters (bitchat-spec.md §3). */
  peerId: string;
  nickname: string;
  /** X25519 Noise static public key, 64 lowercase hex. */
  noisePublicKey: string;
  /** Ed25519 signing public key, 64 lowercase hex. */
  signingPublicKey: string;
  /** ms since epoch of the first verified announce. */
  firstSeen: number;
  /** ms since epoch of the latest verified announce. */
  lastSeen: number;
}

export interface PeerStore {
  /** The Ed25519 key pinned (trust on first use) for a Noise key, if any. */
  getPinnedSigningKey(noisePublicKeyHex: string): string | undefined;
  /** Pin a signing key for a Noise key; a second pin for the same Noise key is ignored. */
  pinSigningKey(noisePublicKeyHex: string, signingPublicKeyHex: string, nowMs: number): void;
  /** Insert or update a peer (firstSeen is kept from the first insert). */
  upsertPeer(record: PeerRecord): void;
  getPeer(peerId: string): PeerRecord | undefined;
  /** Peers, most recently seen first, at most `limit` (default 1000). */
  listPeers(limit?: number): PeerRecord[];
}

export interface CounterStore {
  /** Add `by` (default 1) to a named counter, creating it at 0. */
  increment(name: string, by?: number): void;
  get(name: string): number;
  all(): Record<string, number>;
}
