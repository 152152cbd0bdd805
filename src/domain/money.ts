/**
 * Amounts as people read them (`$1,250.00`). Building an `Intl.NumberFormat` costs far more than
 * formatting with one, and a claim card formats dozens of amounts, so one formatter per currency is kept.
 */
const formatters = new Map<string, Intl.NumberFormat>();

export function formatCurrency(amount: number, currency: string): string {
  let format = formatters.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatters.set(currency, format);
  }
  return format.format(amount);
}
