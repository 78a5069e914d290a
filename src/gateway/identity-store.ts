/**
 * The gateway's persistent identity (bitchat-spec.md §3): an X25519 Noise static key pair
 * and an Ed25519 signing key pair, kept in one file `<stateDir>/identity.json`:
 *
 * ```json
 * { "version": 1, "peerId": "<16 hex>",
 *   "noisePrivateKey": "<64 hex>", "noisePublicKey": "<64 hex>",
 *   "signingPrivateKey": "<64 hex>", "signingPublicKey": "<64 hex>" }
 * ```
 *
 * Keys are raw 32-byte values in lowercase hex (the Ed25519 private key is the RFC 8032
 * seed). The file is created with mode 0600 in a directory created 0700, written to a
 * temporary file, fsynced, and hard-linked into place (never replacing an identity another
 * process created first; rename where hard links are unsupported). A file whose keys do
 * not match each other is refused rather than "repaired": replacing an identity silently
 * would change the gateway's peer ID. Private keys are never logged.
 */
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MeshgateError } from '../errors.js';
import type { Logger } from '../ports/logger.js';
import { bytesEqual, fromHex, toHex } from '../protocol/hex.js';
import { ed25519PublicFromSeed, generateIdentityKeys, peerIdHexFromNoiseKey, x25519PublicFromPrivate, type IdentityKeys } from '../protocol/keys.js';

/** File name of the identity inside the state directory. */
export const IDENTITY_FILE_NAME = 'identity.json';
/** Format version of identity.json. */
export const IDENTITY_FILE_VERSION = 1;
/** The file is refused above this size (bytes): a real one is about 330. */
export const IDENTITY_FILE_MAX_BYTES = 64 * 1024;

const KEY_FIELDS = ['noisePrivateKey', 'noisePublicKey', 'signingPrivateKey', 'signingPublicKey'] as const;

/** What {@link loadOrCreateIdentity} returns. */
export interface LoadedIdentity {
  keys: IdentityKeys;
  /** 16 lowercase hex characters: SHA-256(noisePublicKey)[0..8]. */
  peerId: string;
  /** True when the file did not exist and a new identity was generated. */
  created: boolean;
  /** Absolute or stateDir-relative path of identity.json. */
  path: string;
}

/** Path of identity.json in a state directory. */
export function identityFilePath(stateDir: string): string {
  return join(stateDir, IDENTITY_FILE_NAME);
}

function fail(message: string, details: Record<string, unknown>): never {
  throw new MeshgateError('MG_ERR_IDENTITY', message, details);
}

/**
 * Parse and check the text of an identity file: JSON object, `version` 1, four 32-byte
 * hex keys whose public halves are derived from the private halves, and (if present)
 * `peerId` equal to the one derived from the Noise key.
 * @throws MG_ERR_IDENTITY naming the offending field (never its value).
 */
export function parseIdentityFile(text: string, path: string): { keys: IdentityKeys; peerId: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail(`${path} is not valid JSON`, { path });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail(`${path} must hold a JSON object`, { path });
  const obj = doc as Record<string, unknown>;
  if (obj.version !== IDENTITY_FILE_VERSION) fail(`${path}: unsupported version ${JSON.stringify(obj.version)} (expected ${IDENTITY_FILE_VERSION})`, { path, field: 'version' });
  const raw: Partial<Record<(typeof KEY_FIELDS)[number], Uint8Array>> = {};
  for (const field of KEY_FIELDS) {
    const v = obj[field];
    if (typeof v !== 'string') fail(`${path}: ${field} is missing or not a string`, { path, field });
    try {
      raw[field] = fromHex(v, 32);
    } catch {
      fail(`${path}: ${field} must be 32 bytes of hex (64 characters)`, { path, field });
    }
  }
  const keys = raw as IdentityKeys;
  let noisePub: Uint8Array;
  let signingPub: Uint8Array;
  try {
    noisePub = x25519PublicFromPrivate(keys.noisePrivateKey);
    signingPub = ed25519PublicFromSeed(keys.signingPrivateKey);
  } catch {
    fail(`${path}: a private key is not usable`, { path });
  }
  if (!bytesEqual(noisePub, keys.noisePublicKey)) fail(`${path}: noisePublicKey does not match noisePrivateKey`, { path, field: 'noisePublicKey' });
  if (!bytesEqual(signingPub, keys.signingPublicKey)) fail(`${path}: signingPublicKey does not match signingPrivateKey`, { path, field: 'signingPublicKey' });
  const peerId = peerIdHexFromNoiseKey(keys.noisePublicKey);
  if (obj.peerId !== undefined && obj.peerId !== peerId) fail(`${path}: peerId does not match noisePublicKey`, { path, field: 'peerId' });
  return { keys, peerId };
}

/** The identity.json text for `keys` (contains private keys: write it 0600, never log it). */
export function serializeIdentity(keys: IdentityKeys): string {
  const doc = {
    version: IDENTITY_FILE_VERSION,
    peerId: peerIdHexFromNoiseKey(keys.noisePublicKey),
    noisePrivateKey: toHex(keys.noisePrivateKey),
    noisePublicKey: toHex(keys.noisePublicKey),
    signingPrivateKey: toHex(keys.signingPrivateKey),
    signingPublicKey: toHex(keys.signingPublicKey),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function errnoOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported on every platform/filesystem; the file itself is fsynced */
  }
}

/** Write `text` to `path` atomically with mode 0600. Returns false if `path` already existed (left untouched). */
function writeExclusive(path: string, text: string): boolean {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    try {
      linkSync(tmp, path);
    } catch (err) {
      if (errnoOf(err) === 'EEXIST') return false;
      renameSync(tmp, path); // filesystems without hard links
      return true;
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already renamed */
    }
  }
  return true;
}

/**
 * Load the identity from `<stateDir>/identity.json`, creating it (and `stateDir`, mode
 * 0700) on first use. If the file's mode grants any group/other access it is logged at
 * warn and changed to 0600.
 * @param components.logger receives path, peer ID and mode facts only, never key material.
 * @throws MG_ERR_IDENTITY when the file is unreadable, malformed, has wrong key lengths,
 *   or its public keys do not match its private keys; or the directory/file cannot be
 *   created (`details.errno`).
 */
export function loadOrCreateIdentity(components: { logger: Logger }, init: { stateDir: string }): LoadedIdentity {
  const { logger } = components;
  const path = identityFilePath(init.stateDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    let text: string | undefined;
    try {
      const st = statSync(path);
      if (!st.isFile()) fail(`${path} is not a regular file`, { path });
      if (st.size > IDENTITY_FILE_MAX_BYTES) fail(`${path} is too large (${st.size} bytes) to be an identity file`, { path, size: st.size });
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
        logger.warn({ path, mode: (st.mode & 0o777).toString(8) }, 'identity file is readable by others; changing its mode to 0600');
        chmodSync(path, 0o600);
      }
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err instanceof MeshgateError) throw err;
      const errno = errnoOf(err);
      if (errno !== 'ENOENT') fail(`cannot read ${path}: ${errno ?? String(err)}`, { path, errno });
    }
    if (text !== undefined) {
      const { keys, peerId } = parseIdentityFile(text, path);
      logger.debug({ path, peerId }, 'loaded identity');
      return { keys, peerId, created: false, path };
    }
    const keys = generateIdentityKeys();
    let wrote: boolean;
    try {
      mkdirSync(init.stateDir, { recursive: true, mode: 0o700 });
      wrote = writeExclusive(path, serializeIdentity(keys));
      fsyncDir(init.stateDir);
    } catch (err) {
      fail(`cannot create ${path}: ${errnoOf(err) ?? String(err)}`, { path, errno: errnoOf(err) });
    }
    if (wrote) {
      const peerId = peerIdHexFromNoiseKey(keys.noisePublicKey);
      logger.info({ path, peerId }, 'created identity');
      return { keys, peerId, created: true, path };
    }
    // another process created it between our stat and our link: load theirs
  }
  fail(`${path} appeared and vanished while creating it`, { path });
}
