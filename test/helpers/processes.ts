/**
 * Test helpers: run real `meshgate start` processes on loopback (port 0 everywhere) and
 * wait for conditions. Each gateway gets its own temporary state directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface GatewayProcess {
  proc: ChildProcess;
  stateDir: string;
  peerId: string;
  httpPort: number;
  lanPort: number;
  gatewayPort: number;
  /** ws URL other gateways dial. */
  wsUrl: string;
  status(): Promise<any>;
  stop(): Promise<void>;
  logs: string[];
}

/** Start `meshgate start` with ports 0 and the given extra flags; resolves on its ready line. */
export async function startGateway(name: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<GatewayProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), `meshgate-${name}-`));
  const args = [CLI, 'start', '--state-dir', stateDir, '--nickname', name, '--http-host', '127.0.0.1', '--http-port', '0', '--lan-host', '127.0.0.1', '--lan-port', '0', '--gateway-host', '127.0.0.1', '--gateway-port', '0', '--clock-source', 'synced', ...extraArgs];
  // mDNS discovery off unless a test asks for it: parallel tests must not find each other's gateways
  const proc = spawn(process.execPath, args, { env: { ...process.env, MESHGATE_DISCOVERY_MDNS: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  let buf = '';
  const ready = new Promise<any>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} did not become ready:\n${logs.join('\n')}`)), 15_000);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        logs.push(line);
        try {
          const j = JSON.parse(line);
          if (j.event === 'ready') {
            clearTimeout(t);
            resolve(j);
          }
        } catch {
          /* not JSON */
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${name} exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  const r = await ready;
  const gw: GatewayProcess = {
    proc,
    stateDir,
    logs,
    peerId: r.peerId,
    httpPort: r.httpPort,
    lanPort: r.lanPort,
    gatewayPort: r.gatewayPort,
    wsUrl: `ws://127.0.0.1:${r.gatewayPort}/meshgate`,
    async status() {
      const res = await fetch(`http://127.0.0.1:${r.httpPort}/api/status`);
      return res.json();
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((res) => proc.once('exit', res));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return gw;
}

/** Poll `predicate` (sync or async) every 25 ms until true or the deadline (ms) passes. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, deadlineMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wait a fixed real-time settle period (only for asserting that nothing more arrives). */
export function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
