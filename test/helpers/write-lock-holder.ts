// Another connection holding a database's write lock for a while, as the checkpoint worker's RESTART
// or idle TRUNCATE does; from another process, so that the test's own thread is free meanwhile.
import { spawn } from 'node:child_process';

/** Resolves once the lock is held; `released` resolves with the holder's exit code after its commit. */
export async function holdWriteLock(path: string, ms: number): Promise<{ released: Promise<number | null> }> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const db = new (require('better-sqlite3'))(${JSON.stringify(path)}); db.exec('BEGIN IMMEDIATE'); console.log('held');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`,
    ],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const released = new Promise<number | null>((resolve) => holder.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once('data', () => resolve());
    void released.then((code) => reject(new Error(`the lock holder exited (${code}) before it held the lock`)));
  });
  return { released };
}
