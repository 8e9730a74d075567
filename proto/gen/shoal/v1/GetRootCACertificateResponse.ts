// Original file: proto/ca.proto


export interface GetRootCACertificateResponse {
  /**
   * PEM; the caller checks its digest against the join token before trusting it.
   */
  'certificate'?: (string);
}

export interface GetRootCACertificateResponse__Output {
  /**
   * PEM; the caller checks its digest against the join token before trusting it.
   */
  'certificate': (string);
}
