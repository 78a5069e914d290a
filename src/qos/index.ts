/**
 * meshgate/qos: bandwidth QoS for egress links — token-bucket shaping, control/realtime/bulk
 * classes with caps and borrowing, DRR across flows, CoDel with CAKE scaling, fattest-flow
 * drop, AIMD from the driver queue, telemetry. Pure code on an injected Clock (docs/qos.md).
 */
export { TokenBucket, type TokenBucketInit } from './token-bucket.js';
export { CodelState, cakeCodelParams, CODEL_DEFAULT_INTERVAL_MS, CODEL_DEFAULT_TARGET_MS, type CodelParams } from './codel.js';
export {
  QOS_CLASSES,
  CLASS_CONTROL,
  CLASS_REALTIME,
  CLASS_BULK,
  MALFORMED_FLOW,
  baseClassOfType,
  classifyFrame,
  classifyControl,
  type QosClass,
  type QosClassName,
  type TrustTier,
  type FrameClassification,
} from './classes.js';
export { FlowHeap, type HeapItem } from './flow-heap.js';
export { Flow, type QueuedUnit } from './flow.js';
export { DrrList } from './drr.js';
export { QosScheduler, QOS_DEFAULTS, type QosSchedulerComponents, type QosSchedulerInit, type DequeuedUnit, type ClassStats, type QosDropCode } from './scheduler.js';
export { AimdRate, type AimdInit, type AimdSample } from './aimd.js';
export { RateMeter, LatencyHistogram, WindowedLatency, RATE_SLOT_MS, RATE_SLOTS } from './telemetry.js';
export { LinkShaper, DRIVER_MARKS, DRIVER_POLL_MS, type LinkShaperComponents, type LinkShaperInit } from './link-shaper.js';
export { CreditLedger, parseCreditGrant, type CreditLedgerInit, type CreditGrant } from './credit.js';
