// Original file: proto/logs.proto

import type { LogContext as _shoal_v1_LogContext, LogContext__Output as _shoal_v1_LogContext__Output } from '../../shoal/v1/LogContext.ts';

export interface LogMessage {
  'context'?: (_shoal_v1_LogContext | null);
  /**
   * stdout | stderr
   */
  'stream'?: (string);
  /**
   * One line, without its newline.
   */
  'data'?: (Buffer | Uint8Array | string);
}

export interface LogMessage__Output {
  'context': (_shoal_v1_LogContext__Output | null);
  /**
   * stdout | stderr
   */
  'stream': (string);
  /**
   * One line, without its newline.
   */
  'data': (Buffer);
}
