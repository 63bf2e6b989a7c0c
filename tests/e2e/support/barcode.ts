import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bwipjs from 'bwip-js/node';
import { PNG } from 'pngjs';

const WIDTH = 640;
const HEIGHT = 480;

/**
 * A Code 128 barcode of `text`, as Chromium's fake camera plays it: a Y4M video (YUV 4:2:0) of a
 * white frame with the real barcode image in the middle. Returns the file's path.
 */
export async function barcodeVideo(text: string): Promise<string> {
  const png = PNG.sync.read(
    await bwipjs.toBuffer({ bcid: 'code128', text, scale: 3, height: 15, paddingwidth: 10, paddingheight: 10, backgroundcolor: 'FFFFFF' }),
  );
  if (png.width > WIDTH || png.height > HEIGHT) throw new Error(`barcode of ${text} is larger than the ${WIDTH}×${HEIGHT} frame`);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 255);
  const left = Math.floor((WIDTH - png.width) / 2);
  const top = Math.floor((HEIGHT - png.height) / 2);
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const alpha = png.data[i + 3]! / 255;
      const grey = 0.299 * png.data[i]! + 0.587 * png.data[i + 1]! + 0.114 * png.data[i + 2]!;
      // Blended over white, for a transparent background.
      luma[(top + y) * WIDTH + left + x] = Math.round(grey * alpha + 255 * (1 - alpha));
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2), 128); // grey: no colour
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-camera-')), 'barcode.y4m');
  // A few identical frames; Chromium plays the file in a loop.
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]));
  return file;
}
