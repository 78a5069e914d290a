/**
 * Certificates for the gateway's TLS listeners: `wss://` and WebTransport (HTTP/2 over TLS).
 * An operator may configure PEM files; otherwise a self-signed ECDSA P-256 certificate is
 * made on first start with `@peculiar/x509` on WebCrypto and kept in the state directory
 * (`<name>-cert.pem`, `<name>-key.pem`, mode 0600), and replaced once it is within
 * `renewBeforeMs` of expiry. WebTransport certificate hashes (serverCertificateHashes)
 * require a validity of at most 14 days (W3C WebTransport, "custom certificate
 * requirements"), so WebTransport certificates are made for ≤ 14 days and rotated.
 *
 * The certificate only protects the transport; gateways authenticate each other with the
 * Noise handshake, so a self-signed certificate loses nothing.
 */
import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeshgateError } from '../../errors.js';
import { installReflectMetadata } from './reflect-metadata-shim.js';

/** Longest validity of a WebTransport certificate used through its hash, ms (14 days). */
export const MAX_WEBTRANSPORT_CERT_MS = 14 * 86_400_000;

export interface GatewayCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, 64 hex (the WebTransport `serverCertificateHashes` value). */
  sha256: string;
  notBefore: number;
  notAfter: number;
  /** `configured` (operator files) or `self-signed` (made here). */
  source: 'configured' | 'self-signed';
}

export interface CertificateOptions {
  stateDir: string;
  /** File name prefix in the state directory, e.g. `tls` or `webtransport`. */
  name: string;
  /** Validity of a made certificate, ms. */
  validityMs: number;
  /** Replace a stored self-signed certificate when it expires within this, ms. */
  renewBeforeMs: number;
  /** Operator PEM files (both or neither). */
  certFile?: string;
  keyFile?: string;
  /** Common name / subject alternative name (default `meshgate`). */
  commonName?: string;
  now: number;
}

function describe(certPem: string, keyPem: string, source: GatewayCertificate['source']): GatewayCertificate {
  const x = new X509Certificate(certPem);
  return { certPem, keyPem, sha256: createHash('sha256').update(x.raw).digest('hex'), notBefore: Date.parse(x.validFrom), notAfter: Date.parse(x.validTo), source };
}

/** Make a self-signed ECDSA P-256 / SHA-256 certificate. @throws MG_ERR_CERTIFICATE */
export async function makeSelfSignedCertificate(o: { commonName: string; notBefore: number; validityMs: number }): Promise<GatewayCertificate> {
  try {
    installReflectMetadata();
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
      name: `CN=${o.commonName}`,
      notBefore: new Date(o.notBefore),
      notAfter: new Date(o.notBefore + o.validityMs),
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: o.commonName }]),
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
    return describe(cert.toString('pem') + '\n', keyPem, 'self-signed');
  } catch (err) {
    throw new MeshgateError('MG_ERR_CERTIFICATE', `cannot make a self-signed certificate: ${(err as Error).message}`);
  }
}

/**
 * The configured certificate, or the stored self-signed one, or a new one (stored).
 * @throws MG_ERR_CERTIFICATE when configured files are unreadable or invalid, or the state
 *   directory cannot be written.
 */
export async function loadOrCreateCertificate(o: CertificateOptions): Promise<GatewayCertificate> {
  if (o.certFile || o.keyFile) {
    if (!o.certFile || !o.keyFile) throw new MeshgateError('MG_ERR_CERTIFICATE', 'configure both a certificate file and a key file, or neither');
    try {
      return describe(readFileSync(o.certFile, 'utf8'), readFileSync(o.keyFile, 'utf8'), 'configured');
    } catch (err) {
      throw new MeshgateError('MG_ERR_CERTIFICATE', `cannot read the configured certificate ${o.certFile}: ${(err as Error).message}`, { certFile: o.certFile });
    }
  }
  const certPath = join(o.stateDir, `${o.name}-cert.pem`);
  const keyPath = join(o.stateDir, `${o.name}-key.pem`);
  if (existsSync(certPath) && existsSync(keyPath)) {
    try {
      const c = describe(readFileSync(certPath, 'utf8'), readFileSync(keyPath, 'utf8'), 'self-signed');
      if (c.notAfter - o.now > o.renewBeforeMs && c.notAfter - c.notBefore <= o.validityMs + 60_000) return c;
    } catch {
      // unreadable or corrupt: make a new one below
    }
  }
  const c = await makeSelfSignedCertificate({ commonName: o.commonName ?? 'meshgate', notBefore: o.now - 60_000, validityMs: o.validityMs });
  try {
    mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyPath, c.keyPem, { mode: 0o600 });
    writeFileSync(certPath, c.certPem, { mode: 0o600 });
  } catch (err) {
    throw new MeshgateError('MG_ERR_CERTIFICATE', `cannot store the certificate in ${o.stateDir}: ${(err as Error).message}`);
  }
  return c;
}
