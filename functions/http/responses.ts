export interface HttpReply<B = unknown> {
  status: number;
  body?: B;
  headers?: Record<string, string>;
}

export const ok = <B>(body: B, headers: Record<string, string> = {}): HttpReply<B> => ({
  status: 200,
  body,
  headers,
});
export const created = <B>(body: B, headers: Record<string, string> = {}): HttpReply<B> => ({
  status: 201,
  body,
  headers,
});
