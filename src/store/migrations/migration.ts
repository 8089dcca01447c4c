/** One schema change. An applied migration is never edited, only followed by a new one. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}
