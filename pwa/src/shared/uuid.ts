// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort in the order they were made.
// Ids made in the same millisecond stay in order too: the 12-bit rand_a field is used as a counter.
let lastMs = -1;
let counter = 0;

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function uuidv7(now: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter += 1;
    if (counter > 0xfff) {
      ms += 1; // 4096 ids in one millisecond: borrow the next one rather than lose the order
      counter = 0;
    }
  } else {
    counter = (bytes[6] & 0x07) << 8; // start low in the range so many ids still fit in the same millisecond
  }
  lastMs = ms;
  // 48-bit big-endian timestamp
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f); // version 7 + high bits of rand_a
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
