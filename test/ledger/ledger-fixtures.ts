/** Shared fixtures for ledger tests: identities, receipt entries, a temporary ledger database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateIdentityKeys, ed25519PrivateKey, peerIdHexFromNoiseKey, type IdentityKeys } from '../../src/protocol/keys.js';
import { toHex } from '../../src/protocol/hex.js';
import { MessageType } from '../../src/protocol/packet.js';
import { BROADCAST_PEER_ID, type ReceiptEntry } from '../../src/ledger/index.js';
import { openDatabase, type Database } from '../../src/storage/index.js';
import { silentLogger } from '../../src/ports/logger.js';
import { LedgerStore, migrateLedger } from '../../src/gateway/modules/ledger-store.js';

export interface TestIdentity {
  peerId: string;
  keys: IdentityKeys;
  key: KeyObject;
  pub: string;
}

export function identity(): TestIdentity {
  const keys = generateIdentityKeys();
  return { peerId: peerIdHexFromNoiseKey(keys.noisePublicKey), keys, key: ed25519PrivateKey(keys.signingPrivateKey), pub: toHex(keys.signingPublicKey) };
}

let packetSeq = 0;
/** A fresh 16-byte packet ID (hex). */
export function packetId(): string {
  packetSeq++;
  return (packetSeq.toString(16).padStart(8, '0') + 'ab').padEnd(32, '0');
}

export function entry(over: Partial<ReceiptEntry> & Pick<ReceiptEntry, 'origin' | 'relayer' | 'signer' | 'counter'>): ReceiptEntry {
  return {
    type: MessageType.MESSAGE,
    epoch: 472_222,
    packetId: packetId(),
    recipient: BROADCAST_PEER_ID,
    receivedAt: 1_700_000_000_000,
    latencyMs: 200,
    availabilityPermille: 1000,
    ...over,
  };
}

export interface TempLedger {
  dir: string;
  db: Database;
  store: LedgerStore;
  close(): void;
  reopen(): TempLedger;
}

/** A ledger database in a temporary directory (WAL, like the daemon's). */
export function tempLedger(dir = mkdtempSync(join(tmpdir(), 'meshgate-ledger-'))): TempLedger {
  const db = openDatabase({ logger: silentLogger }, { path: join(dir, 'meshgate.db') });
  migrateLedger({ logger: silentLogger, now: () => 0 }, db);
  const t: TempLedger = {
    dir,
    db,
    store: new LedgerStore({ db }),
    close: () => db.close(),
    reopen: () => tempLedger(dir),
  };
  return t;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
