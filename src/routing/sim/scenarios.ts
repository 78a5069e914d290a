/**
 * The evaluation's scenarios (docs/routing.md, "Evaluation"): 50 and 200 nodes at a mean
 * degree of about 10 (mean radio range 31.6 m), static and pedestrian (random waypoint
 * 0.5-1.5 m/s, 30 s pauses, stationary start), and a void topology (a 100 m × 80 m hole
 * between the sources and the destinations; TTL raised to 24 so that paths around it fit).
 */
import type { ScenarioSpec } from './scenario.js';

export const SCENARIOS: readonly ScenarioSpec[] = [
  { name: 'static-50', nodes: 50, width: 125, height: 125, mobility: 'static', flows: 10, rate: 1, durationS: 30, ttl: 7 },
  { name: 'pedestrian-50', nodes: 50, width: 125, height: 125, mobility: 'pedestrian', flows: 10, rate: 1, durationS: 60, ttl: 7 },
  { name: 'static-200', nodes: 200, width: 250, height: 250, mobility: 'static', flows: 10, rate: 0.5, durationS: 30, ttl: 7 },
  { name: 'pedestrian-200', nodes: 200, width: 250, height: 250, mobility: 'pedestrian', flows: 10, rate: 0.5, durationS: 60, ttl: 7 },
  { name: 'void-150', nodes: 150, width: 320, height: 160, mobility: 'static', voids: [[110, 40, 210, 120]], flowFromX: 90, flowToX: 230, flows: 8, rate: 0.5, durationS: 30, ttl: 24 },
];
