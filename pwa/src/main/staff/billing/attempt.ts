// The clientMutationId of a billing mutation. The server keeps the first outcome of a key, refusals included, so a
// key is reused only to retry the very same input after a lost answer (network or server failure: the first try
// may have gone through, and the retry must not pay or invoice twice); anything else gets a new key.
import { useState } from 'preact/hooks';
import type { UserError } from '../../../shared/types';
import { newMutationId } from '../common';

export function useAttemptKey() {
  const [last, setLast] = useState<{ input: string; key: string; lost: boolean } | null>(null);
  return {
    keyFor(input: Record<string, unknown>): string {
      const text = JSON.stringify(input);
      return last && last.lost && last.input === text ? last.key : newMutationId();
    },
    settle(input: Record<string, unknown>, key: string, errors: UserError[]) {
      // FAILED is how common.mutate() reports a transport failure
      setLast({ input: JSON.stringify(input), key, lost: errors.some((e) => e.code === 'FAILED') });
    },
  };
}
