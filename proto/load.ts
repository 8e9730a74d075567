/** Loads the wire contract (the .proto files beside this module) for grpc-js. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as CaProto } from './gen/ca.ts';
import type { ProtoGrpcType as ControlProto } from './gen/control.ts';
import type { ProtoGrpcType as DispatcherProto } from './gen/dispatcher.ts';
import type { ProtoGrpcType as LocalProto } from './gen/local.ts';
import type { ProtoGrpcType as LogsProto } from './gen/logs.ts';
import type { ProtoGrpcType as RaftProto } from './gen/raft.ts';
import type { ProtoGrpcType as ResourceProto } from './gen/resource.ts';

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
 * server it calls; what it receives comes from a party it already trusts with the cluster. No channelz:
 * nothing reads it, and it costs every call its trackers.
 */
export const TRUSTED_PEER_CHANNEL: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.enable_channelz': 0,
};

/**
 * The HTTP/2 flow-control window (of each stream and of the connection) of an agent's session with the
 * leader. With HTTP/2's 64 KiB the leader sent a full view of thousands of endpoints 64 KiB per round trip
 * of the agent's acknowledgement, and the heartbeat answers sharing the connection waited behind it: a
 * busy agent host missed its heartbeat deadline while its view was on its way.
 */
export const SESSION_FLOW_WINDOW_BYTES = 8 * 1024 * 1024;

/** Every .proto of the contract as one definition (for server reflection). */
export function loadAllDefinitions(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(
    ['raft.proto', 'ca.proto', 'control.proto', 'resource.proto', 'dispatcher.proto', 'logs.proto'].map(f =>
      join(here, f),
    ),
    LOADER_OPTIONS,
  );
}

/** The `shoal.v1` package of each .proto file, as proto-loader-gen-types describes it (proto/gen/). */
export interface ShoalPackages {
  'ca.proto': CaProto['shoal']['v1'];
  'control.proto': ControlProto['shoal']['v1'];
  'dispatcher.proto': DispatcherProto['shoal']['v1'];
  'local.proto': LocalProto['shoal']['v1'];
  'logs.proto': LogsProto['shoal']['v1'];
  'raft.proto': RaftProto['shoal']['v1'];
  'resource.proto': ResourceProto['shoal']['v1'];
}

export type ProtoFile = keyof ShoalPackages;

/** A generated service constructor: a typed client class with its definition. */
interface ServiceConstructor {
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions): grpc.Client;
  service: grpc.ServiceDefinition;
}

/** The names of the services (not messages) in package `P`. */
export type ServiceName<P> = {
  [K in keyof P]: P[K] extends ServiceConstructor ? K : never;
}[keyof P] &
  string;

/** The typed client of service `N` of package `P`, e.g. `ClientOf<ShoalPackages['raft.proto'], 'Raft'>`. */
export type ClientOf<P, N extends ServiceName<P>> = P[N] extends new (...args: never) => infer C ? C : never;

/** The definition (`XxxDefinition`, method by method) of a generated service constructor. */
export type DefinitionOf<C> = C extends { service: infer D extends grpc.ServiceDefinition } ? D : never;

/** The `shoal.v1` package from `file` (e.g. 'raft.proto'); untyped for a file named at run time. */
export function loadShoalPackage<F extends ProtoFile>(file: F): ShoalPackages[F];
export function loadShoalPackage(file: string): grpc.GrpcObject;
export function loadShoalPackage(file: string): unknown {
  const def = protoLoader.loadSync(join(here, file), LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(def);
  const pkg = (root.shoal as grpc.GrpcObject | undefined)?.v1;
  if (pkg === undefined) throw new Error(`proto: ${file} does not define package shoal.v1`);
  // The one place the loader's untyped object meets the generated types (the overload above): they
  // describe this file.
  return pkg;
}

const roots = new Map<ProtoFile, protobuf.Root>();

/**
 * The message types of `file` (and what it imports) for encoding by hand, named as the loader names
 * fields (camelCase): for the few messages whose serializer is our own (server/dispatcher/assignments-encoder.ts).
 */
export function loadProtoRoot(file: ProtoFile): protobuf.Root {
  // Loaded once per process: the encoder and the agent's hash scanner both read dispatcher.proto.
  let root = roots.get(file);
  if (root === undefined) {
    root = new protobuf.Root().loadSync(join(here, file), { keepCase: false });
    roots.set(file, root);
  }
  return root;
}

/** A service's definition from a loaded package. */
export function serviceOf<P, N extends ServiceName<P>>(pkg: P, name: N): DefinitionOf<P[N]> {
  return clientOf(pkg, name).service as DefinitionOf<P[N]>;
}

/** A (typed) client constructor for a service of a loaded package. */
export function clientOf<P, N extends ServiceName<P>>(pkg: P, name: N): P[N] & ServiceConstructor {
  const ctor = (pkg as Record<string, unknown>)[name];
  if (typeof ctor !== 'function') throw new Error(`proto: no service ${name}`);
  return ctor as P[N] & ServiceConstructor;
}

type UnaryFn = (
  req: unknown,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => void;

/** A generated client's unary method, by its last overload `(argument, callback)`. */
type UnarySignature<Req, Res> = (argument: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

/** The names of the unary methods of generated client `C`. */
export type UnaryMethod<C> = {
  [K in keyof C & string]: C[K] extends UnarySignature<infer _Req, infer _Res> ? K : never;
}[keyof C & string];

/** The request (what a caller may send) of unary method `F`. */
export type RequestOf<F> = F extends UnarySignature<infer Req, infer _Res> ? Req : never;

/** The reply (as the loader delivers it) of unary method `F`. */
export type ReplyOf<F> = F extends UnarySignature<infer _Req, infer Res> ? Res : never;

/** A generated client's server-streaming method, by its last overload `(argument, options?)`. */
type StreamSignature<Req, Msg> = (
  argument: Req,
  options?: grpc.CallOptions,
) => grpc.ClientReadableStream<Msg>;

/** The names of the server-streaming methods of generated client `C`. */
export type StreamMethod<C> = {
  [K in keyof C & string]: C[K] extends StreamSignature<infer _Req, infer _Msg> ? K : never;
}[keyof C & string];

/** The request of server-streaming method `F`. */
export type StreamRequestOf<F> = F extends StreamSignature<infer Req, infer _Msg> ? Req : never;

/** The messages (as the loader delivers them) of server-streaming method `F`. */
export type StreamMessageOf<F> = F extends StreamSignature<infer _Req, infer Msg> ? Msg : never;

/**
 * Calls unary `method` of a typed client (from clientOf): its request and reply types are the
 * generated ones. A method named at run time on an untyped client takes the second form, with the
 * reply type the caller expects. Rejects with the call's grpc.ServiceError.
 */
export function unaryCall<C extends grpc.Client, M extends UnaryMethod<C>>(
  client: C,
  method: M,
  req: RequestOf<C[M]>,
  options?: grpc.CallOptions,
): Promise<ReplyOf<C[M]>>;
export function unaryCall<T = Record<string, unknown>>(
  client: grpc.Client,
  method: string,
  req: object,
  options?: grpc.CallOptions,
): Promise<T>;
export function unaryCall(
  client: grpc.Client,
  method: string,
  req: unknown,
  options: grpc.CallOptions = {},
): Promise<unknown> {
  const fn = (client as unknown as Record<string, UnaryFn | undefined>)[method];
  if (fn === undefined) return Promise.reject(new Error(`proto: no method ${method}`));
  return new Promise((resolve, reject) =>
    fn.call(client, req, options, (err, res) => (err === null ? resolve(res) : reject(err))),
  );
}
