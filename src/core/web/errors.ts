/** The fixed set of error codes Lantern answers with. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'csrf'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** An error meant for the person who caused it: rendered as an HTML page or JSON with its status. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** A rule of the domain was broken (services throw these; routes turn them into 4xx answers). */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid' | 'forbidden',
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const domainStatus = { not_found: 404, conflict: 409, invalid: 422, forbidden: 403 } as const;

/** The AppError a DomainError becomes at the HTTP edge. */
export function fromDomainError(e: DomainError): AppError {
  return new AppError(domainStatus[e.code], e.code, e.message, e.fields);
}

export const errorTitles: Record<number, string> = {
  400: 'Something is wrong with that request',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'That clashes with something that already exists',
  413: 'That was too large',
  415: 'That kind of content is not accepted here',
  422: 'Please check what you entered',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
  500: 'Something went wrong on our side',
};
