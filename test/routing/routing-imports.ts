/** One import point for routing tests. */
export * from '../../src/routing/index.js';
import { isMeshgateError, type ErrorCode } from '../../src/errors.js';

/** An assert.throws matcher for a MeshgateError code. */
export function isMeshgateErrorCode(code: ErrorCode): (err: unknown) => boolean {
  return (err) => isMeshgateError(err, code);
}
