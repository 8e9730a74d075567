// Original file: proto/logs.proto


export interface ListenSubscriptionsRequest {
  /**
   * The node's dispatcher session: the subscriptions end with it.
   */
  'sessionId'?: (string);
}

export interface ListenSubscriptionsRequest__Output {
  /**
   * The node's dispatcher session: the subscriptions end with it.
   */
  'sessionId': (string);
}
