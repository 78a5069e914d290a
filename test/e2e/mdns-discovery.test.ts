/**
 * Two real `meshgate start` processes on one LAN find each other by mDNS / DNS-SD and link
 * without any peer configuration. As root (with `ip netns`), each gateway runs in its own
 * network namespace, the two joined by a Linux bridge (a private LAN; the host reaches
 * their status pages through the bridge address). Otherwise both run on the host and use
 * its interfaces. A service type unique to the run keeps parallel tests apart.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { CLI, waitFor } from '../helpers/processes.js';

const suffix = randomInt(1, 1_000_000).toString(36);
const serviceType = `mgt-${suffix}`;
const canNetns = process.env.MESHGATE_TEST_MDNS_HOST !== '1' && process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const subnet = `10.${200 + randomInt(0, 50)}.${randomInt(0, 250)}`;
const ns = (n: string) => `mg${n}${suffix}`;
const bridge = `mgbr${suffix}`;
const ip = (...args: string[]) => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
};

const procs: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (canNetns) {
    for (const n of ['a', 'b']) {
      spawnSync('ip', ['link', 'del', `mgp${n}${suffix}`]); // the host end; namespace teardown is asynchronous
      spawnSync('ip', ['netns', 'del', ns(n)]);
    }
    spawnSync('ip', ['link', 'del', bridge]);
  }
});

function makeLan(): void {
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${subnet}.254/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  ['a', 'b'].forEach((n, i) => {
    ip('netns', 'add', ns(n));
    ip('link', 'add', `mgv${n}${suffix}`, 'type', 'veth', 'peer', 'name', `mgp${n}${suffix}`);
    ip('link', 'set', `mgv${n}${suffix}`, 'netns', ns(n));
    ip('link', 'set', `mgp${n}${suffix}`, 'master', bridge);
    ip('link', 'set', `mgp${n}${suffix}`, 'up');
    ip('-n', ns(n), 'addr', 'add', `${subnet}.${i + 1}/24`, 'dev', `mgv${n}${suffix}`);
    ip('-n', ns(n), 'link', 'set', 'lo', 'up');
    ip('-n', ns(n), 'link', 'set', `mgv${n}${suffix}`, 'up');
    ip('-n', ns(n), 'route', 'add', '224.0.0.0/4', 'dev', `mgv${n}${suffix}`); // multicast DNS goes out on the LAN
  });
}

interface Gw {
  proc: ChildProcess;
  peerId: string;
  status(): Promise<any>;
  stop(): Promise<void>;
}

async function startGw(name: string, index: number): Promise<Gw> {
  const stateDir = mkdtempSync(join(tmpdir(), `meshgate-mdns-${name}-`));
  dirs.push(stateDir);
  const host = canNetns ? `${subnet}.${index + 1}` : '127.0.0.1';
  const args = [CLI, 'start', '--state-dir', stateDir, '--nickname', name, '--http-host', host, '--http-port', '0', '--lan-enabled', 'false'];
  args.push('--gateway-host', '0.0.0.0', '--gateway-port', '0', '--clock-source', 'synced', '--discovery-mdns', 'true', '--discovery-service-type', serviceType, '--discovery-requery-ms', '1000');
  const [cmd, argv] = canNetns ? ['ip', ['netns', 'exec', ns(name), process.execPath, ...args]] : [process.execPath, args];
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  const logs: string[] = [];
  const ready = await new Promise<any>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} not ready:\n${logs.join('\n')}`)), 15_000);
    let buf = '';
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
    proc.on('exit', (code) => reject(new Error(`${name} exited ${code}:\n${logs.join('\n')}`)));
  });
  return {
    proc,
    peerId: ready.peerId,
    status: async () => (await fetch(`http://${host}:${ready.httpPort}/api/status`)).json(),
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

test(`two gateways on a LAN find each other by mDNS and link without configuration (${canNetns ? 'network namespaces' : 'host network'})`, { timeout: 60_000 }, async () => {
  if (canNetns) makeLan();
  const a = await startGw('a', 0);
  const b = await startGw('b', 1);
  const [low, high] = a.peerId < b.peerId ? [a, b] : [b, a];
  const linked = async (g: Gw, other: Gw) => (await g.status()).links.some((l: any) => l.isGatewayLink && l.remotePeerId === other.peerId);
  await waitFor(async () => (await linked(a, b)) && (await linked(b, a)), 15_000, 'mDNS link between the gateways');

  const sl = await low.status();
  const sh = await high.status();
  assert.equal(sl.links.filter((l: any) => l.isGatewayLink).length, 1, 'exactly one link: only the lower peer ID dials');
  assert.equal(sh.links.filter((l: any) => l.isGatewayLink).length, 1);
  assert.deepEqual(
    sl.dialled.map((d: any) => d.source),
    ['mdns'],
  );
  assert.deepEqual(sh.dialled, [], 'the higher peer ID does not dial');
  await waitFor(async () => (await low.status()).modules.discovery.mdns.publishing === true, 5_000, 'service published (probing done)');
  const dl = (await low.status()).modules.discovery;
  assert.equal(dl.mdns.type, `_${serviceType}._tcp`);
  assert.deepEqual(
    dl.gateways.map((g: any) => [g.peerId, g.role, g.linked]),
    [[high.peerId, 'dial', true]],
  );
  await waitFor(async () => (await high.status()).modules.discovery.gateways.some((g: any) => g.peerId === low.peerId && g.role === 'await' && g.linked), 5_000, 'the higher gateway sees the lower and awaits its dial');
  // the directory exchanged adverts over the new link; hygiene registered the session
  await waitFor(async () => (await low.status()).modules.directory.gateways.some((g: any) => g.peerId === high.peerId), 5_000, 'advert over the mDNS link');
  assert.equal((await high.status()).modules.hygiene.sessions.total, 1);

  // the higher gateway leaves: its goodbye makes the lower one hang up (no re-dialling)
  await high.stop();
  await waitFor(async () => (await low.status()).dialled.length === 0, 10_000, 'hang-up after the mDNS goodbye');
  assert.equal((await low.status()).modules.discovery.counters.gone, 1);
  await low.stop();
});
