/**
 * `meshgate/detection`: failure detection and resilience — the phi accrual failure
 * detector (Akka's computation), SWIM/Lifeguard membership with incarnations, indirect
 * probes and local-health awareness, route hold-down, topology and partitions, health
 * scores, recovery strategy choice and failover retention. Pure: every part takes a Clock.
 * See docs/detection.md.
 */
export { PhiAccrualFailureDetector, HeartbeatHistory, phiOf, thresholdY, validatePhiOptions, AKKA_PHI_DEFAULTS, type PhiAccrualOptions } from './phi-accrual-failure-detector.js';
export { Awareness } from './awareness.js';
export { suspicionTimeoutMs } from './suspicion.js';
export { Membership, DEFAULT_MAX_MEMBERS, type MemberKind, type MemberState, type MemberView, type Transition, type TransitionReason, type MembershipComponents, type MembershipInit } from './membership.js';
export { GatewayProber, PROBE_TYPES, type ProbeType, type ProberComponents, type ProberInit, type GatewayLinkRef } from './prober.js';
export { RouteHold, type HopCandidate, type RouteChoice, type RouteChange } from './route-hold.js';
export { Topology, type TopologyRecord, type PartitionState } from './topology.js';
export { HealthModel, type HealthLevel, type HealthInit, type LinkHealthInput, type ScoreView } from './health.js';
export { chooseRecovery, type RecoveryStrategy, type RecoveryInput } from './recovery.js';
export { RetentionBuffer, type RetainedFrame } from './retention.js';
export { EventsRing } from './events-ring.js';
export { parseRumour, parseTopo, isTopoUrl, MAX_TOPO_NEIGHBOURS, MAX_TOPO_PHONES, MAX_TOPO_URLS, type RumourBody, type TopoBody } from './gossip-wire.js';
export { RouteKeeper, type GatewayLinkInfo } from './route-keeper.js';
