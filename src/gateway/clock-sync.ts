/**
 * Clock synchronisation probe (adapter: runs commands). bitchat phones drop packets more
 * than ±120 s from their clock (bitchat-spec.md §6), so the gateway originates nothing
 * until its clock is known to be synchronised. Sources, in order:
 * `timedatectl show -p NTPSynchronized --value` (systemd-timesyncd or any NTP client
 * reporting through timedated) → `yes`; then `chronyc -n tracking` with
 * `Leap status : Normal`. Config `clock.source` may force `synced` / `unsynced`.
 */
import { execFile } from 'node:child_process';

export interface ClockProbeResult {
  synchronized: boolean;
  /** `timedatectl`, `chronyc`, `config`, or `none` when no tool answered. */
  source: string;
  detail: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout) => resolve(err ? undefined : String(stdout)));
  });
}

/**
 * Ask the system whether the clock is synchronised. Never throws.
 * @param mode `auto` probes the system; `synced` / `unsynced` are operator overrides.
 */
export async function probeClockSync(mode: 'auto' | 'synced' | 'unsynced', timeoutMs = 2000): Promise<ClockProbeResult> {
  if (mode === 'synced') return { synchronized: true, source: 'config', detail: 'clock.source = synced' };
  if (mode === 'unsynced') return { synchronized: false, source: 'config', detail: 'clock.source = unsynced' };
  const td = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], timeoutMs);
  if (td !== undefined && td.trim() !== '') {
    const yes = td.trim() === 'yes';
    return { synchronized: yes, source: 'timedatectl', detail: `NTPSynchronized=${td.trim()}` };
  }
  const ch = await run('chronyc', ['-n', 'tracking'], timeoutMs);
  if (ch !== undefined) {
    const m = /Leap status\s*:\s*(.+)/.exec(ch);
    const status = m ? m[1].trim() : 'unknown';
    return { synchronized: status === 'Normal', source: 'chronyc', detail: `Leap status: ${status}` };
  }
  return { synchronized: false, source: 'none', detail: 'neither timedatectl nor chronyc answered; set clock.source: synced if the clock is trusted' };
}
