/** The message of a caught value, for logs and for wrapping another library's errors in ours. Never throws. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
