// Moved to src/conversations/keyed-lock.ts (shared by the capture and ticket pipelines); kept for existing imports.
export { createKeyedLock, type KeyedLock } from '../conversations/keyed-lock.ts';
