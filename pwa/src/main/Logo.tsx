export function Logo({ size = 32 }: { size?: number }) {
  return <img class="logo" src="/favicon.svg" width={size} height={size} alt="" aria-hidden="true" />;
}
