/**
 * The export of one epoch of a gateway's ledger (`meshgate ledger export <epoch>`): a JSON
 * document an auditor verifies with only the gateways' public keys (audit.ts). Shape
 * (docs/ledger.md has the full description):
 *
 * ```
 * { format: 'meshgate-ledger-export', version: 1, gateway: { peerId, signingPublicKey },
 *   epoch, epochMs, exportedAt, rules: { baseFee, latencyGoodMs, latencyBadMs, capPerPair, capPerEpoch, newIdentityAgeMs },
 *   keys: { <peerId>: <signing key hex> },          // as known to the exporter; an auditor pins its own with --keys
 *   ledgerBatches: [{ seq, epoch, count, createdAt, prevHash, root, hash, sig }],
 *   signerBatches: [{ signer, relayer, count, root, sig }],
 *   receipts: [{ entry, units, ledgerSeq, ledgerIndex, ledgerProof: [hex], signerBatch, signerIndex, signerProof: [hex] }] }
 * ```
 * Hashes, keys and signatures are lowercase hex; `entry` is the 76-byte receipt entry.
 */
import { z } from 'zod';
import { MeshgateError } from '../errors.js';

export const EXPORT_FORMAT = 'meshgate-ledger-export';
export const EXPORT_VERSION = 1;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const peerId = hex(8);
const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const LedgerBatchSchema = z.object({ seq: uint, epoch: uint, count: uint, createdAt: uint, prevHash: hex(32), root: hex(32), hash: hex(32), sig: hex(64) });
const SignerBatchSchema = z.object({ signer: peerId, relayer: peerId, count: uint, root: hex(32), sig: hex(64) });
const ReceiptSchema = z.object({
  entry: hex(76),
  units: uint,
  ledgerSeq: uint,
  ledgerIndex: uint,
  ledgerProof: z.array(hex(32)).max(64),
  signerBatch: uint,
  signerIndex: uint,
  signerProof: z.array(hex(32)).max(64),
});

export const LedgerExportSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  gateway: z.object({ peerId, signingPublicKey: hex(32) }),
  epoch: uint,
  epochMs: uint,
  exportedAt: uint,
  rules: z.object({ baseFee: uint, latencyGoodMs: uint, latencyBadMs: uint, capPerPair: uint, capPerEpoch: uint, newIdentityAgeMs: uint }),
  keys: z.record(peerId, hex(32)),
  ledgerBatches: z.array(LedgerBatchSchema),
  signerBatches: z.array(SignerBatchSchema),
  receipts: z.array(ReceiptSchema),
});

export type LedgerExport = z.infer<typeof LedgerExportSchema>;
export type ExportedLedgerBatch = z.infer<typeof LedgerBatchSchema>;
export type ExportedSignerBatch = z.infer<typeof SignerBatchSchema>;
export type ExportedReceipt = z.infer<typeof ReceiptSchema>;

/**
 * Validate a parsed JSON document as an export.
 * @throws MeshgateError MG_ERR_LEDGER_EXPORT_INVALID naming the first bad field.
 */
export function parseLedgerExport(doc: unknown): LedgerExport {
  const r = LedgerExportSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new MeshgateError('MG_ERR_LEDGER_EXPORT_INVALID', `not a ledger export: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return r.data;
}

/**
 * Parse a public-keys file: `{ "<peerId>": "<Ed25519 key hex>" }`, or an array of
 * `meshgate identity` outputs (`[{ peerId, signingPublicKey }, ...]`), or one such object.
 * @throws MeshgateError MG_ERR_LEDGER_EXPORT_INVALID
 */
export function parseKeysFile(doc: unknown): Record<string, string> {
  const one = z.object({ peerId, signingPublicKey: hex(32) });
  const asMap = z.record(peerId, hex(32)).safeParse(doc);
  if (asMap.success) return asMap.data;
  const asOne = one.safeParse(doc);
  if (asOne.success) return { [asOne.data.peerId]: asOne.data.signingPublicKey };
  const asList = z.array(one).safeParse(doc);
  if (asList.success) return Object.fromEntries(asList.data.map((k) => [k.peerId, k.signingPublicKey]));
  throw new MeshgateError('MG_ERR_LEDGER_EXPORT_INVALID', 'keys file must map peer IDs to signing keys, or list {peerId, signingPublicKey} objects');
}
