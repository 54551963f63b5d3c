/** fetch wrappers for the backend: GraphQL at /graphql/ and REST under /api/v1/. Session auth + CSRF. */
import type { TypedDocumentString } from '../gql/graphql';

export interface FieldProblem {
  field: string;
  messages: string[];
}

/** Every expected failure carries the backend's `code` (the same values in GraphQL and REST). */
export class ApiError extends Error {
  readonly code: string;
  readonly details: unknown;
  readonly fields: FieldProblem[];

  constructor(code: string, message: string, details: unknown = {}, fields: FieldProblem[] = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
    this.fields = fields;
  }
}

/** Read fresh on every request: login rotates the token. */
export function csrfToken(): string {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'csrftoken') return decodeURIComponent(rest.join('='));
  }
  return '';
}

function headers(): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'X-CSRFToken': csrfToken(),
  };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new ApiError('network_error', `서버 응답을 읽을 수 없습니다 (HTTP ${response.status}).`);
  }
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, credentials: 'same-origin', headers: headers() });
  } catch {
    throw new ApiError('network_error', '서버에 연결할 수 없습니다.');
  }
}

interface GraphQLResponse<R> {
  data?: R | null;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export async function gql<R, V>(
  document: TypedDocumentString<R, V>,
  ...[variables]: V extends Record<string, never> ? [] | [V] : [V]
): Promise<R> {
  const response = await send('/graphql/', {
    method: 'POST',
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  const body = (await readJson(response)) as GraphQLResponse<R>;
  const first = body.errors?.[0];
  if (first) {
    throw new ApiError(String(first.extensions?.code ?? 'graphql_error'), first.message, first.extensions ?? {});
  }
  if (!body.data) throw new ApiError('graphql_error', `HTTP ${response.status}`);
  return body.data;
}

type ErrorBranch =
  | { __typename: 'OperationError'; code: string; message: string; details?: unknown }
  | { __typename: 'InputError'; code: string; message: string; fields?: FieldProblem[] };

/** A mutation payload union → its success member, or throw its OperationError / InputError as ApiError. */
export function unwrap<P extends { __typename: string }>(
  payload: P,
): Exclude<P, { __typename: 'OperationError' | 'InputError' }> {
  if (payload.__typename === 'OperationError' || payload.__typename === 'InputError') {
    const error = payload as unknown as ErrorBranch;
    throw new ApiError(
      error.code,
      error.message,
      'details' in error ? error.details : {},
      'fields' in error ? (error.fields ?? []) : [],
    );
  }
  return payload as Exclude<P, { __typename: 'OperationError' | 'InputError' }>;
}

/** REST: JSON in and out; errors use the envelope {code, message, details}. */
export async function rest<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await send(path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await readJson(response)) as T & { code?: string; message?: string; details?: unknown };
  if (!response.ok) {
    throw new ApiError(data.code ?? 'http_error', data.message ?? `HTTP ${response.status}`, data.details ?? {});
  }
  return data;
}
