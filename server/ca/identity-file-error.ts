/**
 * A file that says who this node is (state.json, the certificates, the node key, the key-encryption key)
 * is damaged: it does not parse, lacks a field, or contradicts the others. shoald refuses to start on one
 * and changes nothing: the operator restores the file, or makes the node leave and join again.
 */
export class DamagedIdentityFileError extends Error {
  override readonly name = 'DamagedIdentityFileError';
  constructor(
    readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`identity file ${path} is damaged: ${detail}`, options);
  }
}
