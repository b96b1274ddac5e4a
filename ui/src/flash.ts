// A one-shot message carried across a client-side navigation ("Connection deleted."), shown by the
// next page as a status message and then forgotten.
let pending: string | null = null;

export function setFlash(message: string): void {
  pending = message;
}

export function takeFlash(): string | null {
  const message = pending;
  pending = null;
  return message;
}
