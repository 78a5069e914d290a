/** `meshgate phone` against a real gateway process: two simulated phones talk through it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI, startGateway } from '../helpers/processes.js';

function runPhone(args: string[]): Promise<{ code: number | null; lines: any[] }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'phone', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l)) }));
  });
}

test('a message said by one `meshgate phone` is printed, verified, by another', async () => {
  const gw = await startGateway('phone-cli');
  try {
    const listener = runPhone(['--connect', `127.0.0.1:${gw.lanPort}`, '--nickname', 'bob', '--exit-after', '3000']);
    await new Promise((r) => setTimeout(r, 800));
    const talker = await runPhone(['--connect', `127.0.0.1:${gw.lanPort}`, '--nickname', 'alice', '--say', 'hello from the cli', '--exit-after', '1200']);
    const heard = await listener;
    assert.equal(talker.code, 0);
    assert.equal(heard.code, 0);
    assert.ok(talker.lines.some((l) => l.event === 'sent' && l.text === 'hello from the cli'));
    const alice = talker.lines.find((l) => l.event === 'connected');
    const msg = heard.lines.filter((l) => l.event === 'packet' && l.text === 'hello from the cli');
    assert.equal(msg.length, 1);
    assert.equal(msg[0].from, alice.peerId);
    assert.equal(msg[0].verified, true, "verified against alice's relayed announce");
    assert.ok(heard.lines.some((l) => l.event === 'packet' && l.type === 'announce' && l.from === gw.peerId), "the gateway's own announce reached the phone");
  } finally {
    await gw.stop();
  }
});
