/**
 * The parts of `@fails-components/webtransport` (W3C WebTransport API shapes) meshgate uses,
 * typed here so the library is only ever imported lazily (`await import(...)`).
 */
export interface WtBidiStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

export interface WtSession {
  readonly ready: Promise<void>;
  readonly closed: Promise<{ closeCode?: number; reason?: string }>;
  readonly incomingBidirectionalStreams: ReadableStream<WtBidiStream>;
  /** `ip:port` of the peer (server side). */
  readonly peerAddress?: string;
  createBidirectionalStream(): Promise<WtBidiStream>;
  close(info?: { closeCode?: number; reason?: string }): void;
}

export interface WtServer {
  readonly ready: Promise<void>;
  sessionStream(path: string): ReadableStream<WtSession>;
  startServer(): void;
  stopServer(): void;
  updateCert?(cert: string, privKey: string, http2only: boolean): void;
  address(): { port: number; host: string } | null;
}

export interface WtLibrary {
  Http2Server: new (args: Record<string, unknown>) => WtServer;
  WebTransport: new (url: string, args: Record<string, unknown>) => WtSession;
  quicheLoaded: Promise<unknown>;
}
