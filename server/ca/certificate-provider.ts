import * as grpc from '@grpc/grpc-js';

type CaListener = (update: { caCertificate: Buffer } | null) => void;
type IdentityListener = (update: { certificate: Buffer; privateKey: Buffer } | null) => void;

/**
 * Serves a fixed root CA and identity to grpc-js' certificate-provider credentials, which (unlike
 * createSsl(…, false)) request a client certificate without requiring one: the CA bootstrap calls
 * work without a certificate, and every other call can still see the caller's.
 */
export class StaticCertificateProvider implements grpc.experimental.CertificateProvider {
  constructor(
    private readonly caPem: string,
    private readonly certPem: string,
    private readonly keyPem: string,
  ) {}

  // grpc-js needs listeners notified asynchronously, or the server keeps "unloaded" credentials.
  addCaCertificateListener(listener: CaListener): void {
    process.nextTick(listener, { caCertificate: Buffer.from(this.caPem) });
  }
  removeCaCertificateListener(): void {}
  addIdentityCertificateListener(listener: IdentityListener): void {
    process.nextTick(listener, {
      certificate: Buffer.from(this.certPem),
      privateKey: Buffer.from(this.keyPem),
    });
  }
  removeIdentityCertificateListener(): void {}
}

/** Server credentials for the manager port: mTLS, client certificate optional (checked per method). */
export function managerServerCredentials(
  caPem: string,
  certPem: string,
  keyPem: string,
): grpc.ServerCredentials {
  const p = new StaticCertificateProvider(caPem, certPem, keyPem);
  return grpc.experimental.createCertificateProviderServerCredentials(p, p, false);
}

/** Client credentials for a node of the cluster, dialing managers by IP (their SAN is the role name). */
export function nodeClientCredentials(
  caPem: string,
  certPem: string,
  keyPem: string,
): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(caPem), Buffer.from(keyPem), Buffer.from(certPem));
}
