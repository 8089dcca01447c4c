// Moved to src/integrations/altegio/altegio-scheduler.ts; this re-export keeps the last commit's importers building until they follow (removed next).
export * from '../integrations/altegio/altegio-scheduler.js';
