// Moved to src/integrations/altegio/altegio-service.ts; this re-export keeps the last commit's importers building until they follow (removed next).
export * from '../integrations/altegio/altegio-service.js';
