/** `meshgate identity`: print this gateway's peer ID, nickname and public keys (creates the identity on first use). */
import type { Command } from 'commander';
import { loadOrCreateIdentity } from '../gateway/identity-store.js';
import { toHex } from '../protocol/hex.js';
import { silentLogger } from '../ports/logger.js';
import { addSettingFlags, configFromOptions } from './start-command.js';

export function registerIdentityCommand(program: Command): void {
  const cmd = program.command('identity').description("print the gateway's peer ID, nickname and public keys");
  addSettingFlags(cmd).action((opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const id = loadOrCreateIdentity({ logger: silentLogger }, { stateDir: config.stateDir });
    const out = {
      peerId: id.peerId,
      nickname: config.nickname,
      noisePublicKey: toHex(id.keys.noisePublicKey),
      signingPublicKey: toHex(id.keys.signingPublicKey),
      stateDir: config.stateDir,
      created: id.created,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  });
}
