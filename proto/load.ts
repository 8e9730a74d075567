/** Loads the wire contract (the .proto files beside this module) for grpc-js. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** uint64 fields arrive as JS numbers (IDs and indexes stay below 2^53), enums as numbers. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: Number,
  defaults: true,
  oneofs: true,
  arrays: true,
};

/**
 * Channel options of a client of Shoal's own daemon or managers: their replies are not capped by
 * grpc-js' default 4 MiB (a list of 100,000 tasks is larger). What a client may SEND is bounded by the
 * server it calls; what it receives comes from a party it already trusts with the cluster.
 */
export const TRUSTED_PEER_CHANNEL: grpc.ChannelOptions = { 'grpc.max_receive_message_length': -1 };

/** Every .proto of the contract as one definition (for server reflection). */
export function loadAllDefinitions(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(
    ['raft.proto', 'ca.proto', 'control.proto', 'resource.proto', 'dispatcher.proto', 'logs.proto'].map(f =>
      join(here, f),
    ),
    LOADER_OPTIONS,
  );
}

/** The `shoal.v1` package from `file` (e.g. 'raft.proto'). */
export function loadShoalPackage(file: string): grpc.GrpcObject {
  const def = protoLoader.loadSync(join(here, file), LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(def);
  const pkg = (root.shoal as grpc.GrpcObject | undefined)?.v1;
  if (pkg === undefined) throw new Error(`proto: ${file} does not define package shoal.v1`);
  return pkg as grpc.GrpcObject;
}

/** A service's definition from a loaded package. */
export function serviceOf(pkg: grpc.GrpcObject, name: string): grpc.ServiceDefinition {
  const ctor = pkg[name] as grpc.ServiceClientConstructor | undefined;
  if (ctor === undefined || typeof ctor !== 'function') throw new Error(`proto: no service ${name}`);
  return ctor.service;
}

/** A client constructor for a service of a loaded package. */
export function clientOf(pkg: grpc.GrpcObject, name: string): grpc.ServiceClientConstructor {
  const ctor = pkg[name] as grpc.ServiceClientConstructor | undefined;
  if (ctor === undefined || typeof ctor !== 'function') throw new Error(`proto: no service ${name}`);
  return ctor;
}

type UnaryFn<T> = (
  req: object,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: T) => void,
) => void;

/**
 * Calls unary `method` on a client built from a loaded service (proto-loader clients are untyped, so
 * methods are looked up by name). Rejects with the call's grpc.ServiceError.
 */
export function unaryCall<T = Record<string, unknown>>(
  client: grpc.Client,
  method: string,
  req: object,
  options: grpc.CallOptions = {},
): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryFn<T> | undefined>)[method];
  if (fn === undefined) return Promise.reject(new Error(`proto: no method ${method}`));
  return new Promise((resolve, reject) =>
    fn.call(client, req, options, (err, res) => (err === null ? resolve(res) : reject(err))),
  );
}
