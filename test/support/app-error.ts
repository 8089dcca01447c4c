import assert from 'node:assert/strict';
import { AppError } from '../../src/domain/errors.js';

/** Runs `work`, which must throw an AppError; returns it for the test to look at (code, field…). */
export function failure(work: () => unknown): AppError {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  assert.fail('expected an AppError');
}
