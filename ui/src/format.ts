// How values look: amounts by currency, dates, and redacted values that say why they are redacted.

/** Why a value looks the way it does, by the redaction the agent's policy gives its field. */
export const REDACTION_NOTES: Record<string, string> = {
  mask_email: 'E-mail address masked for your role',
  mask_phone: 'Phone number masked for your role: only the last two digits are shown',
  last4: 'Only the last four characters are shown to your role',
  year_only: 'Only the year is shown to your role',
};

/** `minor` units of `currency` as a person reads them (`−€12.50`). */
export function formatAmount(minor: number | null, currency: string | null): string {
  if (minor === null) return '';
  const value = minor / 100;
  if (!currency) return value.toFixed(2);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency}`;
  }
}

/** An ISO date or time as a short local date (and time when there is one). */
export function formatTime(iso: string | null): string {
  if (!iso) return '';
  if (/^\d{4}$/.test(iso)) return iso;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return iso.length <= 10
    ? date.toLocaleDateString()
    : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * A value of `field` as an element: plain text, or, when the policy redacts the field, text
 * marked as redacted with a tooltip saying why. Always text, never markup.
 */
export function fieldValue(
  field: string,
  value: string | null,
  redactions: Record<string, string>,
): HTMLElement {
  const span = document.createElement('span');
  span.textContent = value ?? '';
  const note = REDACTION_NOTES[redactions[field] ?? 'full'];
  if (note) {
    span.className = 'redacted';
    span.title = note;
    span.setAttribute('aria-label', `${value ?? ''} (${note})`);
  }
  return span;
}
