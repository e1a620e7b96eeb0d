/** Times as the help desk reads them: the local date and time, and what is left of a code's life. */
export function dateTime(iso: string | null): string {
  if (iso === null) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function timeLeft(iso: string | null, now: number): string {
  if (iso === null) return '';
  const minutes = Math.floor((Date.parse(iso) - now) / 60_000);
  if (minutes < 0) return 'expired';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h left`;
  return hours > 0 ? `${hours} h ${minutes % 60} min left` : `${minutes} min left`;
}

export const STATE_TEXT = {
  none: 'No offline code',
  active: 'Active',
  expired: 'Expired',
} as const;
