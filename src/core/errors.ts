// The one error services throw for bad input: field -> messages, rendered as DRF's 400 by the HTTP layer.

export type FieldErrors = Record<string, string[]>;

export class InvalidInput extends Error {
  override name = "InvalidInput";
  constructor(readonly errors: FieldErrors) {
    super(Object.values(errors).flat().join(" "));
  }
}

export function invalid(field: string, message: string): InvalidInput {
  return new InvalidInput({ [field]: [message] });
}

/**
 * True when a D1 error is a unique index refusing a duplicate: `indexName` is the index's name for an
 * index on an expression, `table.column` for one on a column (SQLite's message names the column then).
 */
export function isUniqueViolation(error: unknown, indexName: string): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed") && (text.includes(indexName) || text.includes(indexName.replace(/_lower$/, "")));
}
