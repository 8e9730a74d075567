// Original file: proto/local.proto


export interface RunRequest {
  /**
   * An attachable network's name or ID; empty = the daemon's default.
   */
  'network'?: (string);
  'name'?: (string);
  'argv'?: (string)[];
  /**
   * KEY=VALUE.
   */
  'env'?: (string)[];
  'detach'?: (boolean);
}

export interface RunRequest__Output {
  /**
   * An attachable network's name or ID; empty = the daemon's default.
   */
  'network': (string);
  'name': (string);
  'argv': (string)[];
  /**
   * KEY=VALUE.
   */
  'env': (string)[];
  'detach': (boolean);
}
