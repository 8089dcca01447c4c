// Moved to src/integrations/altegio/schedule-store.ts; this re-export keeps the last commit's importers building until they follow (removed next).
export * from '../integrations/altegio/schedule-store.js';
