// Types of budget.mjs for the TypeScript test that imports it.
export type Category = "d1Primary" | "d1Replica" | "kvRead" | "kvWrite" | "do" | "outbound" | "throttle";
export interface Budget {
  path: Record<Category, number>;
  deferred: Record<Category, number>;
}
export declare const BUDGET_START: string;
export declare const BUDGET_END: string;
export declare const COLUMNS: Record<string, Category>;
export declare function parseBudgetTable(markdown: string): Map<string, Budget>;
export declare function formatBudgetRow(name: string, counts: Budget): string;
