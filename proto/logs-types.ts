/** Shapes of Logs and LogBroker messages (proto/logs.proto) as proto-loader delivers them. */

export interface WireLogSelector {
  serviceIds: string[];
  taskIds: string[];
}

export interface WireLogOptions {
  follow: boolean;
  /** Negative = every line. */
  tail: number;
}

export interface WireLogContext {
  serviceId: string;
  nodeId: string;
  taskId: string;
  taskName: string;
  nodeHostname: string;
}

export interface WireLogMessage {
  context: WireLogContext | null;
  stream: string;
  data: Buffer;
}

export interface WireSubscribeLogsRequest {
  selector: WireLogSelector | null;
  options: WireLogOptions | null;
}

export interface WireSubscribeLogsMessage {
  messages: WireLogMessage[];
  unavailableNodes: string[];
}

export interface WireListenSubscriptionsRequest {
  sessionId: string;
}

export interface WireSubscriptionMessage {
  id: string;
  selector: WireLogSelector | null;
  options: WireLogOptions | null;
  close: boolean;
}

export interface WirePublishLogsMessage {
  subscriptionId: string;
  messages: WireLogMessage[];
  close: boolean;
}
