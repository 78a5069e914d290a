/**
 * `meshgate start`: load and freeze the configuration (file < env < flags), start the
 * gateway, log where the status page is, and stop cleanly on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import { SETTINGS, loadConfig, type GatewayConfig } from '../gateway/config.js';
import { createGateway } from '../gateway/gateway.js';
import type { Logger } from '../ports/logger.js';

/** How long (ms) `stop()` may take after SIGINT/SIGTERM before the process exits anyway. */
export const STOP_TIMEOUT_MS = 10_000;

/** Keys never logged (pino redaction paths). */
export const REDACT_PATHS = ['*.privateKey', '*.noisePrivateKey', '*.signingPrivateKey', 'keys', '*.keys', 'password', '*.password', 'token', '*.token'];

/** Register one `--flag <value>` per configuration setting on a command. */
export function addSettingFlags(cmd: Command): Command {
  cmd.option('-c, --config <file>', 'YAML configuration file (env MESHGATE_CONFIG)');
  for (const s of SETTINGS) {
    if (s.path === 'version') continue;
    cmd.option(`${s.flag} <value>`, `${s.description} (env ${s.env})`);
  }
  return cmd;
}

/** Load the configuration from the command's options plus the environment. @throws MG_ERR_CONFIG_* */
export function configFromOptions(opts: Record<string, unknown>): Readonly<GatewayConfig> {
  const flags: Record<string, string> = {};
  for (const s of SETTINGS) {
    const key = s.flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const v = opts[key];
    if (typeof v === 'string') flags[s.flag] = v;
  }
  const file = (opts.config as string | undefined) ?? process.env.MESHGATE_CONFIG;
  return loadConfig({ file, env: process.env, flags });
}

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } }) as unknown as Logger;
}

export function registerStartCommand(program: Command): void {
  const cmd = program.command('start').description('run the gateway (embedded defaults when no config file is given)');
  addSettingFlags(cmd).action(async (opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const logger = createLogger(config.logLevel);
    const gw = createGateway({ logger }, config);
    // Signals are handled from the start, so one that arrives during start-up still stops
    // cleanly; a second signal (or a stop hung for STOP_TIMEOUT_MS) exits at once.
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting for stop');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      setTimeout(() => {
        logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'stop timed out; exiting');
        process.exit(1);
      }, STOP_TIMEOUT_MS).unref();
      gw.stop()
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          logger.error({ err: String(err) }, 'stop failed');
          process.exit(1);
        });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    try {
      await gw.start();
    } catch (err) {
      logger.error({ err: String(err) }, 'start-up failed');
      await gw.stop().catch(() => undefined);
      throw err;
    }
    if (stopping) return;
    const ports = gw.ports;
    const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
    logger.info(
      { event: 'ready', peerId: gw.peerId, httpPort: ports.http, lanPort: ports.lan, gatewayPort: ports.gateway, statusUrl: `http://${host}:${ports.http}/` },
      `meshgate ready: status page at http://${host}:${ports.http}/`,
    );
  });
}
