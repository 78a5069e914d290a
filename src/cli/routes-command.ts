/**
 * `meshgate routes`: the routing table of a running gateway (from its `/api/status` →
 * `modules.routing.routes`): destination, kind, algorithm, next hop, hops, cost (ms),
 * observed delivery, and the hybrid rule that chose the algorithm.
 */
import type { Command } from 'commander';
import { MeshgateError } from '../errors.js';

export interface RouteRow {
  destination: string;
  kind: string;
  algorithm: string;
  reason: string;
  nextHop: string | null;
  hops: number | null;
  cost: number | null;
  delivery: number | null;
}

/**
 * Read the routing table from a gateway's status API (`base` like `http://127.0.0.1:8787`).
 * @throws MeshgateError MG_ERR_CLI_USAGE for a malformed URL; MG_ERR_ROUTING_STATUS_UNAVAILABLE
 *   when the gateway cannot be reached or runs without the routing module.
 */
export async function fetchRoutes(base: string): Promise<{ algorithm: string; routes: RouteRow[] }> {
  let url: URL;
  try {
    url = new URL('/api/status', base);
  } catch {
    throw new MeshgateError('MG_ERR_CLI_USAGE', `not a URL: ${base}`);
  }
  let body: { modules?: { routing?: { algorithm: string; routes: RouteRow[] } } };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new MeshgateError('MG_ERR_ROUTING_STATUS_UNAVAILABLE', `cannot read ${url.href}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const routing = body.modules?.routing;
  if (!routing || !Array.isArray(routing.routes)) throw new MeshgateError('MG_ERR_ROUTING_STATUS_UNAVAILABLE', `${url.href} has no routing module (routing.enabled is false?)`);
  return routing;
}

/** The table as aligned text lines. */
export function formatRoutes(t: { algorithm: string; routes: RouteRow[] }): string {
  const head = ['destination', 'kind', 'algorithm', 'next hop', 'hops', 'cost ms', 'delivery', 'reason'];
  const rows = t.routes.map((r) => [r.destination, r.kind, r.algorithm, r.nextHop ?? '-', r.hops ?? '-', r.cost ?? '-', r.delivery ?? '-', r.reason].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [`routing: ${t.algorithm}, ${t.routes.length} destinations`, line(head), ...rows.map(line)].join('\n') + '\n';
}

export function registerRoutesCommand(program: Command): void {
  program
    .command('routes')
    .description("print a running gateway's routing table (destination, algorithm, next hop, cost)")
    .option('--url <url>', 'the gateway status server', 'http://127.0.0.1:8787')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { url: string; json?: boolean }) => {
      const t = await fetchRoutes(opts.url);
      process.stdout.write(opts.json ? JSON.stringify(t.routes, null, 2) + '\n' : formatRoutes(t));
    });
}
