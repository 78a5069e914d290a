/**
 * Lazy loading of `@fails-components/webtransport` and detection of its optional HTTP/3
 * transport. The library is imported only when WebTransport is enabled (it logs to the
 * console when the HTTP/3 package is missing: those lines are filtered while it loads,
 * since meshgate reports HTTP/3 availability on its status page instead).
 */
import type { WtLibrary } from './wt-types.js';

/** The optional HTTP/3 (QUIC, libquiche) transport package. */
export const HTTP3_PACKAGE = '@fails-components/webtransport-transport-http3-quiche';

/** Whether the HTTP/3 transport package can be loaded. Never throws. */
export async function detectHttp3(): Promise<{ available: boolean; detail: string }> {
  try {
    await import(HTTP3_PACKAGE);
    return { available: true, detail: `${HTTP3_PACKAGE} loaded` };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { available: false, detail: code === 'ERR_MODULE_NOT_FOUND' ? `${HTTP3_PACKAGE} is not installed (HTTP/2 only)` : `${HTTP3_PACKAGE} failed to load: ${(err as Error).message}` };
  }
}

const NOISY = /http3|quiche/i;

/** Import the WebTransport library once its HTTP/3 probe has settled, without its console noise. */
export async function loadWebTransport(): Promise<WtLibrary> {
  const original = { log: console.log, error: console.error };
  const quiet =
    (write: (...a: unknown[]) => void) =>
    (...a: unknown[]): void => {
      if (typeof a[0] === 'string' && NOISY.test(a[0])) return;
      write(...a);
    };
  console.log = quiet(original.log);
  console.error = quiet(original.error);
  try {
    const lib = (await import('@fails-components/webtransport')) as unknown as WtLibrary;
    await lib.quicheLoaded;
    await new Promise((r) => setImmediate(r));
    return lib;
  } finally {
    console.log = original.log;
    console.error = original.error;
  }
}
