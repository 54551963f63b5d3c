/** One idempotency key per attempt: the same request retried reuses it; a changed request gets a new one. */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // non-secure origins lack randomUUID
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class AttemptKey {
  private signature: string | null = null;
  private key: string | null = null;

  /** The key for this request; the same one again while the same request is being retried. */
  for(signature: string): string {
    if (this.key === null || this.signature !== signature) {
      this.signature = signature;
      this.key = newKey();
    }
    return this.key;
  }

  /** The attempt reached an answer (success or a definite refusal): the next request is a new attempt. */
  settle(): void {
    this.signature = null;
    this.key = null;
  }
}
