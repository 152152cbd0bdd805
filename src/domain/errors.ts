/** Why a domain operation was refused; the HTTP layer maps each code to a status. */
export type DomainErrorCode = 'not_found' | 'invalid_transition' | 'validation' | 'conflict' | 'forbidden';

/**
 * A refusal by a business rule, with a code callers branch on and a message safe to show an operator.
 * Messages never contain personal data.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
