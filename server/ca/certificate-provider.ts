import * as grpc from '@grpc/grpc-js';
import { createSecureContext } from 'node:tls';

type CaUpdate = grpc.experimental.CaCertificateUpdate;
type IdentityUpdate = grpc.experimental.IdentityCertificateUpdate;
type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/**
 * A node's root CA and identity for grpc-js' certificate-provider credentials, which (unlike
 * createSsl(…, false)) request a client certificate without requiring one: the CA bootstrap calls
 * work without a certificate, and every other call can still see the caller's. `update` swaps the
 * identity under every server and channel built on it: new connections use the new certificate,
 * connections already open keep theirs.
 */
export class NodeCertificateProvider implements grpc.experimental.CertificateProvider {
  private readonly ca: CaUpdate;
  private identity: IdentityUpdate;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();

  constructor(
    readonly caPem: string,
    certPem: string,
    keyPem: string,
  ) {
    this.ca = { caCertificate: Buffer.from(caPem) };
    this.identity = checkedIdentity(caPem, certPem, keyPem);
  }

  /**
   * Serves `certPem`/`keyPem` from now on. Throws, changing nothing, when they do not make a TLS
   * identity (a key that does not match the certificate would take the manager port down).
   */
  update(certPem: string, keyPem: string): void {
    this.identity = checkedIdentity(this.caPem, certPem, keyPem);
    for (const l of [...this.identityListeners]) l(this.identity);
  }

  // grpc-js registers a server's listener before the server's own watcher: a listener told at once
  // would be lost and the server would keep "unloaded" credentials, so the first value comes later.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    process.nextTick(() => {
      if (this.caListeners.has(listener)) listener(this.ca);
    });
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(() => {
      if (this.identityListeners.has(listener)) listener(this.identity);
    });
  }
  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  /** Server credentials for the manager port: mTLS, client certificate optional (checked per method). */
  serverCredentials(): grpc.ServerCredentials {
    return grpc.experimental.createCertificateProviderServerCredentials(this, this, false);
  }

  /** Client credentials as this node (managers are dialed by IP: callers set the name TLS checks). */
  clientCredentials(): grpc.ChannelCredentials {
    return grpc.experimental.createCertificateProviderChannelCredentials(this, this);
  }
}

function checkedIdentity(caPem: string, certPem: string, keyPem: string): IdentityUpdate {
  createSecureContext({ ca: caPem, cert: certPem, key: keyPem });
  return { certificate: Buffer.from(certPem), privateKey: Buffer.from(keyPem) };
}

/** Server credentials for the manager port, on a fixed certificate. */
export function managerServerCredentials(
  caPem: string,
  certPem: string,
  keyPem: string,
): grpc.ServerCredentials {
  return new NodeCertificateProvider(caPem, certPem, keyPem).serverCredentials();
}

/** Client credentials for a node of the cluster, on a fixed certificate. */
export function nodeClientCredentials(
  caPem: string,
  certPem: string,
  keyPem: string,
): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(caPem), Buffer.from(keyPem), Buffer.from(certPem));
}
