/** The routing evaluation harness (pure, virtual time): radio medium, scenarios, the flooding baseline, statistics. */
export { EventQueue } from './event-queue.js';
export { RadioMedium, DEFAULT_RADIO, type RadioParams } from './radio-medium.js';
export { runScenario, SIM_ALGORITHMS, type SimAlgorithm, type ScenarioSpec, type RunResult } from './scenario.js';
export { SCENARIOS } from './scenarios.js';
export { meanCi95, percentile } from './stats.js';
