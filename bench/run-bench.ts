import { messageOf } from '../lib/message-of.ts';

/**
 * Runs a benchmark's body and then its cleanup, always: after success, after a failure, and on
 * SIGINT/SIGTERM (a benchmark left running would keep daemons and temp folders behind).
 */
export function runBench(body: () => Promise<void>, cleanup: () => Promise<void>): void {
  let cleaned: Promise<void> | undefined;
  const cleanupOnce = (): Promise<void> =>
    (cleaned ??= cleanup().catch((err: unknown) => {
      console.error(`bench: cleanup failed: ${messageOf(err)}`);
    }));
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`bench: ${signal}, cleaning up`);
    void cleanupOnce().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  void body().then(
    () => cleanupOnce(),
    async (err: unknown) => {
      console.error(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
      await cleanupOnce();
    },
  );
}
