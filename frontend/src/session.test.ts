/** After sign-in the page returns to `next` only when the browser would read it as a path of ours. */
import { describe, expect, it } from 'vitest';
import { safeNext } from './session';

describe('safeNext', () => {
  it.each(['/\\evil.example', '/\t/evil.example', '/\n/evil.example'])('keeps %j on our origin', (next) => {
    const origin = 'https://shop.example';
    expect(new URL(safeNext(next), `${origin}/login/`).origin).toBe(origin);
  });

  it.each([
    ['/checkout/?order=ord_1', '/checkout/?order=ord_1'],
    ['/orders/#x', '/orders/#x'],
    ['//evil.example/', '/'],
    ['https://evil.example/', '/'],
    [null, '/'],
  ])('%j → %j', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});
