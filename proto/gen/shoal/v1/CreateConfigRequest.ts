// Original file: proto/control.proto


export interface CreateConfigRequest {
  /**
   * [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64 characters; unique.
   */
  'name'?: (string);
  /**
   * 1 byte to 500 KiB.
   */
  'data'?: (Buffer | Uint8Array | string);
  'labels'?: ({[key: string]: string});
}

export interface CreateConfigRequest__Output {
  /**
   * [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64 characters; unique.
   */
  'name': (string);
  /**
   * 1 byte to 500 KiB.
   */
  'data': (Buffer);
  'labels': ({[key: string]: string});
}
