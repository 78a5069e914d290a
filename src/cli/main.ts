#!/usr/bin/env node
/**
 * The `meshgate` command line. Exit codes: 0 success, 1 failure (the error code is
 * printed as `error: MG_ERR_...: message` on stderr), 2 invalid usage.
 */
import { Command } from 'commander';
import { MeshgateError } from '../errors.js';
import { registerStartCommand } from './start-command.js';
import { registerPacketCommands } from './packet-commands.js';
import { registerIdentityCommand } from './identity-command.js';
import { registerPhoneCommand } from './phone-command.js';
import { registerRoutesCommand } from './routes-command.js';
import { registerLedgerCommand } from './ledger-command.js';
import { MESHGATE_VERSION } from '../gateway/gateway.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('meshgate')
    .description('A Raspberry Pi gateway for the bitchat Bluetooth mesh: relays, remembers and bridges mesh islands.')
    .version(MESHGATE_VERSION)
    .showHelpAfterError();
  registerStartCommand(program);
  registerIdentityCommand(program);
  registerPacketCommands(program);
  registerPhoneCommand(program);
  registerRoutesCommand(program);
  registerLedgerCommand(program);
  return program;
}

/** Print a coded error and set the exit code. */
export function reportError(err: unknown): void {
  if (err instanceof MeshgateError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = err.code === 'MG_ERR_CLI_USAGE' ? 2 : 1;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

buildProgram()
  .parseAsync(process.argv)
  .catch(reportError);
