/**
 * The operator HTTP server: `GET /api/status` (JSON) and `GET /` (the status page).
 * Other paths answer 404, other methods 405. Uses node:http only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../ports/logger.js';
import { STATUS_PAGE_HTML } from './status-page.js';

export interface StatusServerInit {
  host: string;
  /** TCP port; 0 picks a free one (see {@link StatusServer.port}). */
  port: number;
}

export class StatusServer {
  private server: Server | undefined;
  private readonly logger: Logger;
  private readonly getStatus: () => unknown;
  private readonly init: StatusServerInit;

  constructor(components: { logger: Logger; getStatus: () => unknown }, init: StatusServerInit) {
    this.logger = components.logger;
    this.getStatus = components.getStatus;
    this.init = init;
  }

  /** Bound port once started. */
  get port(): number | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? a.port : undefined;
  }

  /** Start listening. @throws the listen error (e.g. EADDRINUSE) */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (url === '/api/status') {
        let body: string;
        try {
          body = JSON.stringify(this.getStatus());
        } catch (err) {
          this.logger.error({ err }, 'status provider failed');
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"status unavailable"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
      } else if (url === '/' || url === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(STATUS_PAGE_HTML);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.init.port, this.init.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
