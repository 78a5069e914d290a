/** AntHocNet pheromone routing: convergence to the best path on a known graph and re-convergence after a link failure within a stated number of rounds. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AntColony, PheromoneTable, seededRandom, isMeshgateErrorCode, type AntGraph } from './routing-imports.js';

/** Rounds (4 ants each) within which the colony must (re)converge, for every seed tried. */
export const ACO_CONVERGENCE_ROUNDS = 10;

function graph(): { g: AntGraph; cut: (a: string, b: string) => void } {
  // best A-B-D-F (3); without D-F: A-B-E-F (4); A-E-F (5); A-C-F (6)
  const costs = new Map<string, number>();
  const add = (a: string, b: string, c: number) => (costs.set(`${a}${b}`, c), costs.set(`${b}${a}`, c));
  add('A', 'B', 1);
  add('B', 'D', 1);
  add('D', 'F', 1);
  add('A', 'E', 3);
  add('E', 'F', 2);
  add('A', 'C', 1);
  add('C', 'F', 5);
  add('B', 'E', 1);
  const nodes = ['A', 'B', 'C', 'D', 'E', 'F'];
  return {
    g: { neighbours: (n) => nodes.filter((m) => costs.has(`${n}${m}`)), cost: (a, b) => costs.get(`${a}${b}`) ?? Infinity },
    cut: (a, b) => (costs.delete(`${a}${b}`), costs.delete(`${b}${a}`)),
  };
}

function roundsUntil(colony: AntColony, want: string): number {
  for (let r = 1; r <= 200; r++) {
    colony.round('A', 'F');
    if (colony.greedyPath('A', 'F')?.join('') === want) return r;
  }
  return Infinity;
}

describe('ant colony', () => {
  test(`converges to the best path and re-converges after a link failure within ${ACO_CONVERGENCE_ROUNDS} rounds (10 seeds)`, () => {
    const worst = { converge: 0, reconverge: 0 };
    for (let seed = 1; seed <= 10; seed++) {
      const { g, cut } = graph();
      const colony = new AntColony({ random: seededRandom(seed), graph: g }, { antsPerRound: 4 });
      const r1 = roundsUntil(colony, 'ABDF');
      // keep running: it stays converged
      for (let i = 0; i < 10; i++) colony.round('A', 'F');
      assert.equal(colony.greedyPath('A', 'F')?.join(''), 'ABDF', 'stays on the best path');
      cut('D', 'F');
      colony.linkLost('D', 'F');
      const r2 = roundsUntil(colony, 'ABEF');
      worst.converge = Math.max(worst.converge, r1);
      worst.reconverge = Math.max(worst.reconverge, r2);
    }
    assert.ok(worst.converge <= ACO_CONVERGENCE_ROUNDS, `converged within ${worst.converge} rounds`);
    assert.ok(worst.reconverge <= ACO_CONVERGENCE_ROUNDS, `re-converged within ${worst.reconverge} rounds`);
  });

  test('pheromone update is the EWMA with gamma 0.7; data choice follows tau^2', () => {
    const t = new PheromoneTable({ random: seededRandom(3) });
    t.reinforce('d', 'x', 10);
    assert.equal(t.pheromone('d', 'x'), 0.1);
    t.reinforce('d', 'x', 5);
    assert.ok(Math.abs(t.pheromone('d', 'x') - (0.7 * 0.1 + 0.3 * 0.2)) < 1e-12);
    t.reinforce('d', 'y', 1 / (2 * t.pheromone('d', 'x'))); // tau_y = 2 tau_x → P(y) = 4/5 with beta 2
    let y = 0;
    for (let i = 0; i < 20_000; i++) if (t.choose('d') === 'y') y++;
    assert.ok(Math.abs(y / 20_000 - 0.8) < 0.015, `P(y) = ${y / 20_000}`);
    t.dropNeighbour('y');
    assert.equal(t.pheromone('d', 'y'), 0);
    assert.throws(() => new PheromoneTable({ random: Math.random }, { gamma: 1 }), isMeshgateErrorCode('MG_ERR_ROUTING_BAD_ARGUMENT'));
  });
});
