import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../context.js';
import { AppError, DomainError } from './errors.js';
import { registerRoutes, type RouteTable } from './routes.js';

// Small uploads (an image) read into memory from a multipart form, on the routes that take them only: each such table
// is registered in a scope of its own with the multipart plugin, so every other route still refuses multipart bodies.

/** A file as the multipart hook read it: its bytes, cut off at the limit (truncated says so). */
export interface MemoryUpload {
  bytes: Buffer;
  truncated: boolean;
}

/**
 * Registers routes whose form carries one file (the part named `field`, at most `maxBytes` kept) and a few text
 * fields; nothing is stored by the hook. Returns how a handler finds the request's file (undefined: none chosen).
 * `accept` decides whether the file of a request is read at all (an admin upload: only a signed-in viewer's).
 */
export async function registerMemoryUploadRoutes(
  app: FastifyInstance,
  core: Core,
  o: {
    routes: RouteTable;
    side: 'public' | 'admin';
    field: string;
    maxBytes: number;
    fields: number;
    accept?: (req: FastifyRequest) => boolean;
  },
): Promise<(req: FastifyRequest) => MemoryUpload | undefined> {
  const uploads = new WeakMap<FastifyRequest, MemoryUpload>();
  // Requests whose handlers have started: an error before that, on a multipart post, is a body that could not be read.
  const reachedHandler = new WeakSet<FastifyRequest>();
  await app.register(async (scope) => {
    await scope.register(multipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: { fileSize: o.maxBytes, files: 1, fields: o.fields, fieldSize: 16 * 1024, parts: o.fields + 1, headerPairs: 50 },
      async onFile(this: FastifyRequest, part) {
        if (part.fieldname !== o.field || uploads.has(this) || (o.accept && !o.accept(this))) {
          part.file.resume();
          return;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of part.file) chunks.push(chunk as Buffer);
        const bytes = Buffer.concat(chunks);
        // A browser sends an empty part with no file name when no file was chosen.
        if (bytes.byteLength === 0 && !part.filename) return;
        uploads.set(this, { bytes, truncated: part.file.truncated });
      },
    });
    scope.addHook('preHandler', async (req) => {
      reachedHandler.add(req);
    });
    scope.setErrorHandler(async (err: FastifyError, req) => {
      const ours = err instanceof AppError || err instanceof DomainError;
      if (!ours && !reachedHandler.has(req) && req.isMultipart() && err.statusCode === undefined) {
        throw new AppError(400, 'bad_request', 'The form could not be read. Please go back and send it again.');
      }
      throw err;
    });
    registerRoutes(scope, core, o.routes, o.side);
  });
  return (req) => uploads.get(req);
}

/** A file streamed into storage as it arrived: its stored id, or why it was refused (shown beside the file field). */
export type StoredUpload = { ok: true; id: number } | { ok: false; message: string };

/** How a handler reaches the file its request stored, and takes it over so it is kept. */
export interface StoredUploads {
  /** The request's stored file (undefined: none chosen). */
  get(req: FastifyRequest): StoredUpload | undefined;
  /** Keeps the request's file past the response: the handler has adopted it. */
  keep(req: FastifyRequest): void;
}

/**
 * Registers admin routes whose form carries one large file (the part named `file`), streamed into storage by
 * `store` as it arrives — before the CSRF check, which needs the form's fields — and only for a signed-in viewer.
 * A stored file the handler did not `keep` (a failed check, an error) is handed to `discard` once the response is
 * sent. Each such table is registered in a scope of its own with the multipart plugin, as registerMemoryUploadRoutes.
 */
export async function registerStoredUploadRoutes(
  app: FastifyInstance,
  core: Core,
  o: {
    routes: RouteTable;
    maxBytes: number;
    fields: number;
    fieldSize: number;
    store: (staffId: number, filename: string, file: AsyncIterable<Buffer> & { truncated?: boolean }) => Promise<StoredUpload>;
    discard: (id: number) => Promise<void>;
  },
): Promise<StoredUploads> {
  const uploads = new WeakMap<FastifyRequest, StoredUpload>();
  await app.register(async (scope) => {
    await scope.register(multipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: { fileSize: o.maxBytes, files: 1, fields: o.fields, fieldSize: o.fieldSize, parts: o.fields + 1, headerPairs: 50 },
      async onFile(this: FastifyRequest, part) {
        if (part.fieldname !== 'file' || uploads.has(this) || !this.viewer) {
          part.file.resume();
          return;
        }
        uploads.set(this, await o.store(this.viewer.id, part.filename ?? '', part.file));
      },
    });
    scope.addHook('onResponse', async (req) => {
      const u = uploads.get(req);
      if (u?.ok) await o.discard(u.id);
    });
    registerRoutes(scope, core, o.routes, 'admin');
  });
  return { get: (req) => uploads.get(req), keep: (req) => void uploads.delete(req) };
}
