/**
 * Epochs: fixed periods of `epochMs` counted from the Unix epoch, so every gateway with a
 * synchronised clock agrees on epoch numbers without talking: epoch(t) = ⌊t / epochMs⌋.
 * Credits, caps, ledger batches and exports are per epoch.
 */
import { MeshgateError } from '../errors.js';

/** Epoch number of time `ms` (ms since the Unix epoch). @throws MG_ERR_LEDGER_RECEIPT_INVALID for epochMs < 1. */
export function epochOf(ms: number, epochMs: number): number {
  if (!Number.isInteger(epochMs) || epochMs < 1) throw new MeshgateError('MG_ERR_LEDGER_RECEIPT_INVALID', `epoch length ${epochMs} ms is not a positive integer`);
  return Math.floor(ms / epochMs);
}

/** First ms of an epoch. */
export function epochStart(epoch: number, epochMs: number): number {
  return epoch * epochMs;
}

/** First ms after an epoch. */
export function epochEnd(epoch: number, epochMs: number): number {
  return (epoch + 1) * epochMs;
}
