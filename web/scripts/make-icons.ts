/**
 * Draws the app icons (a white monitor with a check mark on the brand blue) and writes them
 * as PNG files into web/public. The PNGs are committed; run this again only to change them:
 *
 *   npx tsx web/scripts/make-icons.ts
 *
 * Shapes are signed distance functions sampled 4×4 per pixel, so edges are anti-aliased
 * without an image library.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
const BRAND: Rgb = [0x1d, 0x4e, 0xd8];
const WHITE: Rgb = [0xff, 0xff, 0xff];

type Rgb = [number, number, number];

interface IconSpec {
  file: string;
  size: number;
  /** Corner radius of the background as a share of the size; 0 fills the whole square. */
  cornerRadius: number;
  /** How much of the icon the glyph spans; maskable icons keep it inside the safe zone. */
  glyphScale: number;
}

const ICONS: IconSpec[] = [
  { file: 'icons/icon-192.png', size: 192, cornerRadius: 0.18, glyphScale: 0.78 },
  { file: 'icons/icon-512.png', size: 512, cornerRadius: 0.18, glyphScale: 0.78 },
  // Maskable: full bleed, glyph within the central 80% circle the platform may crop to.
  { file: 'icons/icon-512-maskable.png', size: 512, cornerRadius: 0, glyphScale: 0.56 },
  // iOS rounds the corners itself and shows transparency as black, so fill the square.
  { file: 'apple-touch-icon.png', size: 180, cornerRadius: 0, glyphScale: 0.7 },
  { file: 'favicon-32.png', size: 32, cornerRadius: 0.18, glyphScale: 0.86 },
];

// Distance functions on the unit square (0..1), negative inside.
function roundedBox(x: number, y: number, cx: number, cy: number, hw: number, hh: number, r: number): number {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function segment(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const px = x - ax;
  const py = y - ay;
  const dx = bx - ax;
  const dy = by - ay;
  const h = Math.min(Math.max((px * dx + py * dy) / (dx * dx + dy * dy), 0), 1);
  return Math.hypot(px - dx * h, py - dy * h);
}

/** The glyph drawn in a 0..1 box: a monitor outline, its stand, and a check mark on screen. */
function glyph(x: number, y: number): number {
  const stroke = 0.06;
  const screen = Math.abs(roundedBox(x, y, 0.5, 0.42, 0.44, 0.3, 0.07)) - stroke / 2;
  const neck = segment(x, y, 0.5, 0.72, 0.5, 0.86) - stroke / 2;
  const foot = segment(x, y, 0.3, 0.88, 0.7, 0.88) - stroke / 2;
  const check = Math.min(segment(x, y, 0.33, 0.43, 0.45, 0.54), segment(x, y, 0.45, 0.54, 0.67, 0.31)) - stroke / 2;
  return Math.min(screen, neck, foot, check);
}

function render(spec: IconSpec): Buffer {
  const { size, cornerRadius, glyphScale } = spec;
  const samples = 4;
  const rgba = Buffer.alloc(size * size * 4);
  const inset = (1 - glyphScale) / 2;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          const inBg = cornerRadius === 0 || roundedBox(x, y, 0.5, 0.5, 0.5, 0.5, cornerRadius) <= 0;
          if (!inBg) continue;
          bg++;
          if (glyph((x - inset) / glyphScale, (y - inset) / glyphScale) <= 0) fg++;
        }
      }
      const n = samples * samples;
      const alpha = bg / n;
      const mix = bg === 0 ? 0 : fg / bg;
      const o = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.round(BRAND[c]! * (1 - mix) + WHITE[c]! * mix);
      rgba[o + 3] = Math.round(alpha * 255);
    }
  }
  return encodePng(size, size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Minimal PNG: 8-bit RGBA, no interlace, filter 0 on every row. */
function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const spec of ICONS) {
  const out = join(PUBLIC_DIR, spec.file);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, render(spec));
  console.log(`wrote ${spec.file}`);
}
