// Fault injection: "the next N calls (optionally to one endpoint) fail with …", and added latency.
// The vendor-specific error body comes from the simulator, so a 429 from the HubSpot simulator
// looks like HubSpot's and one from the Intercom simulator like Intercom's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

export const FaultSpec = z.strictObject({
  /**
   * 'answer_lost' and 'answer_held' let the request do its work, then reset the connection or never
   * answer: the write happened, the client cannot know (a lost answer, or a crash before it came).
   */
  kind: z.enum(['429', '500', '502', '503', 'timeout', 'reset', 'answer_lost', 'answer_held']),
  /** How many matching calls fail; then the fault is used up. */
  count: z.number().int().min(1).default(1),
  /** Only calls whose method matches (e.g. "POST"); any method when absent. */
  method: z.string().optional(),
  /**
   * Only calls whose path starts with this (e.g. "/crm/v3/objects/notes"); any path when absent. A
   * trailing "$" asks for exactly that path ("/crm/v3/objects/companies$": the create, not /search).
   */
  pathPrefix: z.string().optional(),
  /** For 429: the Retry-After header in seconds; omitted when absent. */
  retryAfterSeconds: z.number().int().min(0).optional(),
});
export type FaultSpec = z.infer<typeof FaultSpec>;

export const LatencySpec = z.strictObject({
  ms: z.number().int().min(0),
  method: z.string().optional(),
  pathPrefix: z.string().optional(),
});
export type LatencySpec = z.infer<typeof LatencySpec>;

export type ErrorResponder = (request: FastifyRequest, reply: FastifyReply, status: 429 | 500 | 502 | 503, retryAfterSeconds?: number) => FastifyReply;

export interface FaultPlan {
  add(spec: FaultSpec): void;
  setLatency(spec: LatencySpec | null): void;
  clear(): void;
  pending(): readonly FaultSpec[];
}

const pathMatches = (wanted: string, path: string) => (wanted.endsWith('$') ? path === wanted.slice(0, -1) : path.startsWith(wanted));

const matches = (spec: { method?: string | undefined; pathPrefix?: string | undefined }, method: string, path: string) =>
  (!spec.method || spec.method.toUpperCase() === method) && (!spec.pathPrefix || pathMatches(spec.pathPrefix, path));

/**
 * Installs the fault hook on a simulator app (the control API is a separate plugin, so it is
 * exempt). A "timeout" holds the request without answering until the client gives up; "reset"
 * destroys the socket.
 */
export function attachFaults(
  app: FastifyInstance,
  respond: ErrorResponder,
  onUnanswered: (request: FastifyRequest) => void = () => undefined,
): FaultPlan {
  const faults: FaultSpec[] = [];
  let latency: LatencySpec | null = null;
  const held = new Set<FastifyRequest>();
  const afterWork = new WeakMap<FastifyRequest, 'answer_lost' | 'answer_held'>();

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    if (latency && matches(latency, request.method, path)) await new Promise((resolve) => setTimeout(resolve, latency?.ms ?? 0));
    const index = faults.findIndex((fault) => matches(fault, request.method, path));
    if (index === -1) return;
    const fault = faults[index] as FaultSpec;
    fault.count -= 1;
    if (fault.count <= 0) faults.splice(index, 1);
    if (fault.kind === 'answer_lost' || fault.kind === 'answer_held') {
      afterWork.set(request, fault.kind);
      return;
    }
    if (fault.kind === 'reset' || fault.kind === 'timeout') onUnanswered(request);
    if (fault.kind === 'reset') {
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (fault.kind === 'timeout') {
      held.add(request);
      request.raw.socket.once('close', () => held.delete(request));
      return reply.hijack();
    }
    return respond(request, reply, Number(fault.kind) as 429 | 500 | 502 | 503, fault.retryAfterSeconds);
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const kind = afterWork.get(request);
    if (kind === undefined) return payload;
    onUnanswered(request);
    if (kind === 'answer_lost') {
      request.raw.socket.destroy();
      return payload;
    }
    held.add(request);
    request.raw.socket.once('close', () => held.delete(request));
    return new Promise<never>(() => undefined);
  });
  // preClose, not onClose: Fastify waits for in-flight requests before onClose, and a held request
  // never finishes by itself.
  app.addHook('preClose', async () => {
    for (const request of held) request.raw.socket.destroy();
  });

  return {
    add: (spec) => faults.push({ ...spec }),
    setLatency: (spec) => {
      latency = spec;
    },
    clear: () => {
      faults.length = 0;
      latency = null;
    },
    pending: () => faults.map((fault) => ({ ...fault })),
  };
}
