/**
 * meshgate's routing engine (`meshgate/routing`): topology from measurements, announces and
 * signed link-state adverts; CSR snapshots; Dijkstra; link-disjoint multipath with an
 * AntNet-corrected load split; GPSR with Gabriel/RNG planarisation and dead reckoning;
 * AntHocNet pheromones; a per-destination hybrid selector; mobility models; and the
 * evaluation harness (`./sim/index.js`). Pure code on an injected clock (docs/routing.md).
 */
export type { NodeKind, MobilityPattern, GeoPosition, Point, EdgeSource, EdgeMetrics } from './types.js';
export { seededRandom, gaussian, type RandomSource } from './random.js';
export { linkCost, etx, DEFAULT_LINK_METRIC_WEIGHTS, type LinkMetricWeights } from './link-metric.js';
export { BinaryHeap } from './binary-heap.js';
export { CsrGraph, KIND_CODE, KIND_NAMES, type CsrEdge } from './csr-graph.js';
export { dijkstra, pathTo, shortestPair, DijkstraWorkspace, PairWorkspace, type ShortestPathTree } from './dijkstra.js';
export { disjointPaths, splitWeights, LoadSplitter, MAX_MULTIPATH_K, type WeightedPath } from './multipath.js';
export { toLocal, fromLocal, distance, predictPosition, geohashEncode, geohashDecode, cellContains, EARTH_RADIUS_M, type GeohashCell } from './geo.js';
export { gpsrForward, planarNeighbours, GPSR_START, type GeoView, type GpsrHeader, type GpsrDecision, type Planarisation } from './gpsr.js';
export { StaticMobility, RandomWaypointMobility, LinearMobility, CircularMobility, CommuterMobility, type MobilityModel, type Area } from './mobility.js';
export { PheromoneTable, AntColony, type AntGraph, type PheromoneTableInit } from './ant-colony.js';
export { selectAlgorithm, ROUTING_ALGORITHMS, DEFAULT_HYBRID_THRESHOLDS, type RoutingAlgorithm, type HybridInputs, type HybridThresholds } from './hybrid.js';
export { encodeLsa, decodeLsa, LSA_VERSION, MAX_LSA_LINKS, type LinkStateAdvert, type LsaLink } from './lsa.js';
export { LsaDatabase, type StoredLsa, type LsaVerdict } from './lsa-database.js';
export { Topology, type TopologyNode, type TopologyInit, type SnapshotOptions } from './topology.js';
export { RoutingEngine, type RoutingEngineInit, type RouteDecision, type AlgorithmChoice } from './routing-engine.js';
