// Moved to src/integrations/altegio/domain/templates.ts; this re-export keeps the last commit's importers building until they follow (removed next).
export * from '../../integrations/altegio/domain/templates.js';
