/**
 * Shorter names of Control API messages as proto-loader delivers them (proto/gen/, generated from
 * proto/control.proto: longs as numbers, absent message fields null), shared by server and CLI. What a
 * field may hold is said in the .proto.
 */
import type { Endpoint__Output } from './gen/shoal/v1/Endpoint.ts';
import type { EndpointSpec__Output } from './gen/shoal/v1/EndpointSpec.ts';
import type { Network__Output } from './gen/shoal/v1/Network.ts';
import type { NetworkAllocation__Output } from './gen/shoal/v1/NetworkAllocation.ts';
import type { NetworkAttachment__Output } from './gen/shoal/v1/NetworkAttachment.ts';
import type { NetworkSpec__Output } from './gen/shoal/v1/NetworkSpec.ts';
import type { Node__Output } from './gen/shoal/v1/Node.ts';
import type { PortConfig__Output } from './gen/shoal/v1/PortConfig.ts';
import type { RestartPolicy__Output } from './gen/shoal/v1/RestartPolicy.ts';
import type { Service__Output } from './gen/shoal/v1/Service.ts';
import type { ServiceSpec__Output } from './gen/shoal/v1/ServiceSpec.ts';
import type { Task__Output } from './gen/shoal/v1/Task.ts';
import type { TaskSpec__Output } from './gen/shoal/v1/TaskSpec.ts';
import type { TaskStatus__Output } from './gen/shoal/v1/TaskStatus.ts';
import type { UpdateConfig__Output } from './gen/shoal/v1/UpdateConfig.ts';
import type { UpdateStatus__Output } from './gen/shoal/v1/UpdateStatus.ts';
import type { VirtualIP__Output } from './gen/shoal/v1/VirtualIP.ts';

/** `T` with message fields `K` never null: proto3 cannot say "required", the Control API always sets them. */
export type Present<T, K extends keyof T> = Omit<T, K> & { [P in K]: NonNullable<T[P]> };

export type WireNode = Node__Output;
export type WireNetworkSpec = NetworkSpec__Output;
export type WireNetworkAllocation = NetworkAllocation__Output;
export type WireNetwork = Present<Network__Output, 'spec'>;
export type WirePortConfig = PortConfig__Output;
export type WireEndpointSpec = EndpointSpec__Output;
export type WireRestartPolicy = RestartPolicy__Output;
export type WireUpdateConfig = UpdateConfig__Output;
export type WireTaskSpec = TaskSpec__Output;
export type WireServiceSpec = ServiceSpec__Output;
export type WireVirtualIp = VirtualIP__Output;
export type WireEndpoint = Endpoint__Output;
export type WireService = Present<Service__Output, 'spec'>;
export type WireUpdateStatus = UpdateStatus__Output;
export type WireTaskStatus = TaskStatus__Output;
export type WireNetworkAttachment = NetworkAttachment__Output;
export type WireTask = Present<Task__Output, 'status' | 'spec'>;
