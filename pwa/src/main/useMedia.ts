// Whether a CSS media query matches now, following changes (the shell's phone / tablet-and-desktop switch).
import { useEffect, useState } from 'preact/hooks';

export const WIDE = '(min-width: 768px)';

export function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setMatches(list.matches);
    update();
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, [query]);
  return matches;
}
