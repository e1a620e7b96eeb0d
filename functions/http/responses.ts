export interface HttpReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown, headers: Record<string, string> = {}): HttpReply => ({
  status: 200,
  body,
  headers,
});
export const created = (body: unknown, headers: Record<string, string> = {}): HttpReply => ({
  status: 201,
  body,
  headers,
});
export const noContent = (): HttpReply => ({ status: 204 });
