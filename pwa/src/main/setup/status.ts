// Before anyone signs in: does this installation still need its first garage (the first-run screen), and may new
// garages sign up here ("Create a garage" on the sign-in screen)? Unknown (offline, an older server): neither.
import { graphql } from '../../shared/api';
import { createStore } from '../../shared/store';

export interface SetupStatus {
  needsSetup: boolean;
  openSignup: boolean;
}

const STATUS = `query SetupStatus { setupStatus { needsSetup openSignup } }`;

export const setupStore = createStore<SetupStatus | null>(null);

export async function loadSetupStatus(): Promise<SetupStatus | null> {
  try {
    const data = await graphql<{ setupStatus: SetupStatus }>(STATUS);
    setupStore.set(data.setupStatus);
    return data.setupStatus;
  } catch {
    return null;
  }
}

/** The invitee's link: /invite#<token>. The token is read from the fragment (never sent to the server in a URL). */
export function invitationToken(): string | null {
  if (location.pathname.replace(/\/+$/, '') !== '/invite') return null;
  const token = location.hash.replace(/^#/, '');
  return token || null;
}
