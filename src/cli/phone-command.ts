/**
 * `meshgate phone`: a simulated bitchat phone on the gateway's LAN link. Announces itself,
 * optionally sends one public or directed message, prints each received packet as one
 * JSON line, and exits after `--exit-after` ms (default: run until interrupted).
 */
import type { Command } from 'commander';
import { MeshgateError } from '../errors.js';
import { PhoneSimulator } from '../phone/phone-simulator.js';
import { MESSAGE_TYPE_NAMES } from '../protocol/packet.js';

export function registerPhoneCommand(program: Command): void {
  program
    .command('phone')
    .description('run a simulated bitchat phone against a gateway LAN link')
    .option('--connect <host:port>', "gateway's LAN link address", '127.0.0.1:7777')
    .option('--nickname <name>', 'nickname to announce', 'sim-phone')
    .option('--say <text>', 'send this public message after announcing')
    .option('--to <peerId>', 'with --say: send it to this peer ID (16 hex) instead of everyone')
    .option('--exit-after <ms>', 'exit after this many ms')
    .action(async (opts: { connect: string; nickname: string; say?: string; to?: string; exitAfter?: string }) => {
      const i = opts.connect.lastIndexOf(':');
      const port = Number(opts.connect.slice(i + 1));
      if (i < 1 || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new MeshgateError('MG_ERR_CLI_USAGE', `--connect: expected host:port, got "${opts.connect}"`);
      }
      const phone = new PhoneSimulator({}, { nickname: opts.nickname, host: opts.connect.slice(0, i), port });
      phone.on((rx) => {
        const line = { event: 'packet', type: MESSAGE_TYPE_NAMES[rx.type] ?? rx.type, from: rx.senderId, to: rx.recipientId, ttl: rx.ttl, verified: rx.verified, nickname: rx.nickname, text: rx.text };
        process.stdout.write(JSON.stringify(line) + '\n');
      });
      await phone.connect();
      phone.announce();
      process.stdout.write(JSON.stringify({ event: 'connected', peerId: phone.peerId, nickname: phone.nickname }) + '\n');
      if (opts.say !== undefined) {
        // give the gateway a moment to learn our announce before the message
        await new Promise((r) => setTimeout(r, 200));
        if (opts.to) phone.sendDirect(opts.to, opts.say);
        else phone.sendPublic(opts.say);
        process.stdout.write(JSON.stringify({ event: 'sent', to: opts.to ?? null, text: opts.say }) + '\n');
      }
      const stop = async () => {
        await phone.close();
        process.exit(0);
      };
      if (opts.exitAfter !== undefined) setTimeout(() => void stop(), Number(opts.exitAfter));
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}
