/**
 * Disputes: a challenge against a ledger export, with evidence, resolved from signatures
 * alone (no trust in either party's word). Evidence kinds (JSON, docs/ledger.md):
 *
 * - `{ "kind": "missing-receipt", "packetId": hex32, "signer"?: hex16 }` — "the gateway was
 *   credited for this packet without a receipt". Upheld (MG_ERR_LEDGER_MISSING_RECEIPT)
 *   when the export credits the packet and no credited receipt for it carries a valid
 *   signer signature with an inclusion proof; rejected when every credit is backed, or
 *   nothing is credited for it.
 * - `{ "kind": "double-claim", "export": <another export> }` — "the gateway claimed the
 *   same receipt twice". Upheld (MG_ERR_LEDGER_DOUBLE_CLAIM) when one receipt (same
 *   signer and counter) or one packet is credited in both exports (or twice in one),
 *   each claim proven by a ledger header the gateway signed and an inclusion proof.
 * - `{ "kind": "forged-signature", "signerBatch": index }` or `{ ..., "ledgerSeq": n }` —
 *   "this signature is forged". Upheld (MG_ERR_LEDGER_FORGED) when it does not verify
 *   with the pinned public key.
 */
import { z } from 'zod';
import { MeshgateError, type ErrorCode } from '../errors.js';
import { fromHex } from '../protocol/hex.js';
import { decodeReceiptEntry, type ReceiptEntry } from './receipt.js';
import { ledgerHeaderHolds, ledgerProofHolds, signerEvidenceHolds, keyFor } from './audit.js';
import { LedgerExportSchema, type ExportedReceipt, type LedgerExport } from './ledger-export.js';
import { receiptBatchPreimage } from './receipt-batch.js';
import { ed25519Verify } from '../protocol/keys.js';

const EvidenceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('missing-receipt'), packetId: z.string().regex(/^[0-9a-f]{32}$/), signer: z.string().regex(/^[0-9a-f]{16}$/).optional() }),
  z.object({ kind: z.literal('double-claim'), export: LedgerExportSchema }),
  z.object({ kind: z.literal('forged-signature'), signerBatch: z.number().int().min(0).optional(), ledgerSeq: z.number().int().min(0).optional() }),
]);
export type ChallengeEvidence = z.infer<typeof EvidenceSchema>;

/** The resolution of a challenge. */
export interface ChallengeResult {
  readonly kind: ChallengeEvidence['kind'];
  readonly gateway: string;
  readonly epoch: number;
  readonly verdict: 'upheld' | 'rejected';
  /** The offence's code when upheld. */
  readonly code: ErrorCode | undefined;
  readonly reason: string;
  /** Units (mu) the upheld claim covers (credits to void). */
  readonly units: number;
}

/** Validate challenge evidence. @throws MeshgateError MG_ERR_LEDGER_EXPORT_INVALID */
export function parseEvidence(doc: unknown): ChallengeEvidence {
  const r = EvidenceSchema.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new MeshgateError('MG_ERR_LEDGER_EXPORT_INVALID', `bad challenge evidence: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
  }
  return r.data;
}

type Keys = Readonly<Record<string, string>> | undefined;

/** Decode an exported entry, or undefined when it is malformed (the audit reports those). */
function entryOf(r: ExportedReceipt): ReceiptEntry | undefined {
  try {
    return decodeReceiptEntry(fromHex(r.entry, 76));
  } catch {
    return undefined;
  }
}

/** A credited receipt proven by a valid ledger header and inclusion proof. */
function provenClaim(exp: LedgerExport, r: ExportedReceipt, keys: Keys): boolean {
  const lb = exp.ledgerBatches.find((b) => b.seq === r.ledgerSeq);
  return lb !== undefined && ledgerHeaderHolds(exp, lb, keys).ok && ledgerProofHolds(exp, r);
}

/** Resolve a challenge against `exp` with the auditor's pinned `keys` (or the export's own). Never throws. */
export function resolveChallenge(exp: LedgerExport, evidence: ChallengeEvidence, keys?: Keys): ChallengeResult {
  const base = { kind: evidence.kind, gateway: exp.gateway.peerId, epoch: exp.epoch };
  const upheld = (code: ErrorCode, reason: string, units: number): ChallengeResult => ({ ...base, verdict: 'upheld', code, reason, units });
  const rejected = (reason: string): ChallengeResult => ({ ...base, verdict: 'rejected', code: undefined, reason, units: 0 });

  if (evidence.kind === 'missing-receipt') {
    const claims = exp.receipts.filter((r) => {
      if (r.units === 0) return false;
      const e = entryOf(r);
      return e !== undefined && e.packetId === evidence.packetId && (evidence.signer === undefined || e.signer === evidence.signer);
    });
    if (claims.length === 0) return rejected('the export credits nothing for this packet');
    const unbacked = claims.filter((r) => !signerEvidenceHolds(exp, r, keys).ok);
    if (unbacked.length === 0) return rejected(`every credit for the packet is backed by a signed receipt (${claims.length})`);
    return upheld('MG_ERR_LEDGER_MISSING_RECEIPT', `${unbacked.length} credit(s) for the packet have no valid signed receipt`, unbacked.reduce((s, r) => s + r.units, 0));
  }

  if (evidence.kind === 'double-claim') {
    const other = evidence.export;
    if (other.gateway.peerId !== exp.gateway.peerId) return rejected('the two exports are by different gateways');
    const seen = new Map<string, { exp: LedgerExport; r: ExportedReceipt }>();
    const dupes: ExportedReceipt[] = [];
    const sameDoc = other.epoch === exp.epoch && JSON.stringify(other.ledgerBatches) === JSON.stringify(exp.ledgerBatches);
    for (const doc of sameDoc ? [exp] : [exp, other]) {
      for (const r of doc.receipts) {
        const e = entryOf(r);
        if (!e || r.units === 0 || !provenClaim(doc, r, keys)) continue;
        for (const k of [`c/${e.signer}/${e.counter}`, `p/${e.packetId}`]) {
          const prior = seen.get(k);
          if (prior && prior.r !== r) {
            dupes.push(r);
            break;
          }
          seen.set(k, { exp: doc, r });
        }
      }
    }
    if (dupes.length === 0) return rejected('no receipt or packet is credited twice under the gateway\'s signed ledger headers');
    return upheld('MG_ERR_LEDGER_DOUBLE_CLAIM', `${dupes.length} receipt(s) credited twice under headers the gateway signed`, dupes.reduce((s, r) => s + r.units, 0));
  }

  // forged-signature
  if (evidence.signerBatch !== undefined) {
    const sb = exp.signerBatches[evidence.signerBatch];
    if (!sb) return rejected(`signer batch ${evidence.signerBatch} is not in the export`);
    const key = keyFor(exp, sb.signer, keys);
    if (!key) return upheld('MG_ERR_LEDGER_UNKNOWN_KEY', `no public key is known for signer ${sb.signer}`, 0);
    const ok = ed25519Verify(receiptBatchPreimage(sb.signer, sb.relayer, sb.count, fromHex(sb.root, 32)), fromHex(sb.sig, 64), fromHex(key, 32));
    if (ok) return rejected(`signer batch ${evidence.signerBatch} is validly signed by ${sb.signer}`);
    const units = exp.receipts.filter((r) => r.signerBatch === evidence.signerBatch).reduce((s, r) => s + r.units, 0);
    return upheld('MG_ERR_LEDGER_FORGED', `signer batch ${evidence.signerBatch} does not verify with ${sb.signer}'s key`, units);
  }
  if (evidence.ledgerSeq !== undefined) {
    const lb = exp.ledgerBatches.find((b) => b.seq === evidence.ledgerSeq);
    if (!lb) return rejected(`ledger batch ${evidence.ledgerSeq} is not in the export`);
    const h = ledgerHeaderHolds(exp, lb, keys);
    if (h.ok) return rejected(`ledger batch ${evidence.ledgerSeq} is validly signed by the gateway`);
    const units = exp.receipts.filter((r) => r.ledgerSeq === evidence.ledgerSeq).reduce((s, r) => s + r.units, 0);
    return upheld(h.code, h.message, units);
  }
  return rejected('the evidence names no signature');
}
