// Prints a scrypt hash for admin.passwordHash, so the YAML file need not hold a plain password.
// Usage: npm run -s hash-password            (asks on the terminal, without echo)
//        printf '%s' "$PW" | npm run -s hash-password
import { createInterface } from 'node:readline';
import { hashPassword } from '../src/auth/password-hash.ts';
import { MIN_ADMIN_PASSWORD_LENGTH } from '../src/config/schema.ts';

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  process.stderr.write('Password: ');
  process.stdin.setRawMode(true);
  const rl = createInterface({ input: process.stdin, terminal: false });
  const line = await new Promise<string>((resolve) => rl.once('line', resolve));
  process.stdin.setRawMode(false);
  rl.close();
  process.stderr.write('\n');
  return line;
}

const password = await readPassword();
if (password.length < MIN_ADMIN_PASSWORD_LENGTH) {
  process.stderr.write(`Choose a password of at least ${MIN_ADMIN_PASSWORD_LENGTH} characters.\n`);
  process.exit(1);
}
process.stdout.write(`${await hashPassword(password)}\n`);
