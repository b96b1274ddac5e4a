// AES-256-GCM for credentials at rest. A sealed value is `v1.<keyId>.<iv>.<tag>.<data>` (base64url):
// it names its key so keys can be rotated later. The caller's context (such as "connection:42/hubspot")
// is bound as additional authenticated data, so a ciphertext copied onto another row does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretKey } from './secret-key.ts';

const FORMAT = 'v1';

class VaultError extends Error {
  override name = 'VaultError';
}

export interface Vault {
  keyId: string;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export function keyIdOfSealed(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts[0] === FORMAT ? parts[1] : undefined;
}

export function createVault(secret: Pick<SecretKey, 'key' | 'id'>): Vault {
  return {
    keyId: secret.id,
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secret.key, iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [FORMAT, secret.id, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [format, keyId, iv, tag, data] = sealed.split('.');
      if (format !== FORMAT || !keyId || !iv || !tag || data === undefined) throw new VaultError('not a sealed value');
      if (keyId !== secret.id) {
        throw new VaultError(`sealed with key ${keyId}, but the current key is ${secret.id}`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', secret.key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new VaultError('the value does not decrypt with the current key (tampered or wrong context)', { cause: error });
      }
    },
  };
}
