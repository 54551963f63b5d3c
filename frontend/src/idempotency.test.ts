import { describe, expect, it } from 'vitest';
import { AttemptKey } from './idempotency';

describe('AttemptKey', () => {
  it('reuses the key on retry of the same request and renews it otherwise', () => {
    const attempt = new AttemptKey();
    const first = attempt.for('a');
    expect(attempt.for('a')).toBe(first);
    const changed = attempt.for('b');
    expect(changed).not.toBe(first);
    attempt.settle();
    expect(attempt.for('b')).not.toBe(changed);
  });
});
