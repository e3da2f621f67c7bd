#!/usr/bin/env node
// Draws MotoTrack's app icons (a wheel on a dark tile) as PNGs with no dependencies:
// a tiny rasteriser with 4x4 supersampling and a PNG encoder on node:zlib.
// Run `npm run icons` after changing it; the PNGs are committed under public/icons.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'public', 'icons');
mkdirSync(out, { recursive: true });

const BG = [0x0f, 0x17, 0x2a];
const ORANGE = [0xf9, 0x73, 0x16];
const WHITE = [0xf8, 0xfa, 0xfc];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Colour of the point (x, y) in unit coordinates [0, 1), or null when transparent. */
function sample(x, y, { fullBleed, scale }) {
  const cx = x - 0.5;
  const cy = y - 0.5;
  if (!fullBleed) {
    // rounded tile with a small margin
    const m = 0.02, r = 0.2;
    const qx = Math.max(Math.abs(cx) - (0.5 - m - r), 0);
    const qy = Math.max(Math.abs(cy) - (0.5 - m - r), 0);
    if (Math.abs(cx) > 0.5 - m || Math.abs(cy) > 0.5 - m || qx * qx + qy * qy > r * r) return null;
  }
  const u = cx / scale;
  const v = cy / scale;
  const d = Math.hypot(u, v);
  // tyre, rim, hub
  if (d <= 0.34 && d >= 0.27) return WHITE;
  if (d <= 0.25 && d >= 0.215) return ORANGE;
  if (d <= 0.075) return ORANGE;
  if (d <= 0.105 && d >= 0.075) return BG;
  // five spokes from hub to rim
  if (d > 0.105 && d < 0.215) {
    const a = Math.atan2(v, u) + Math.PI / 2;
    for (let k = 0; k < 5; k++) {
      const ang = a - (k * 2 * Math.PI) / 5;
      const perp = Math.abs(Math.sin(ang)) * d;
      if (Math.cos(ang) > 0 && perp < 0.03) return ORANGE;
    }
  }
  return BG;
}

function draw(size, opts) {
  const SS = 4;
  const buf = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const c = sample((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size, opts);
          if (c) { r += c[0]; g += c[1]; b += c[2]; a += 1; }
        }
      }
      const i = (py * size + px) * 4;
      if (a) { buf[i] = Math.round(r / a); buf[i + 1] = Math.round(g / a); buf[i + 2] = Math.round(b / a); }
      buf[i + 3] = Math.round((a / (SS * SS)) * 255);
    }
  }
  return png(size, buf);
}

const icons = [
  ['icon-192.png', 192, { fullBleed: false, scale: 1 }],
  ['icon-512.png', 512, { fullBleed: false, scale: 1 }],
  // maskable: full-bleed, the wheel inside the 80% safe zone
  ['maskable-192.png', 192, { fullBleed: true, scale: 0.85 }],
  ['maskable-512.png', 512, { fullBleed: true, scale: 0.85 }],
  ['apple-touch-icon.png', 180, { fullBleed: true, scale: 0.95 }],
];
for (const [name, size, opts] of icons) {
  writeFileSync(join(out, name), draw(size, opts));
  console.log(`wrote public/icons/${name}`);
}
