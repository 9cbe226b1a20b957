// Headless Chromium for the report tests (Debian's chromium; `.ci/install-chromium` installs it in CI): find
// it, run it with a throw-away profile, and decode the PNG screenshots it writes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import * as assert from 'uvu/assert';

/** DRYDOCK_CHROMIUM=/path picks the browser ("" or a missing path: none, to try the skip). */
export function findChromium(): string | undefined {
  const chosen = process.env['DRYDOCK_CHROMIUM'];
  if (chosen !== undefined) return chosen !== '' && existsSync(chosen) ? chosen : undefined;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function runChromium(bin: string, args: string[]): { stdout: string; status: number | null; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'drydock-chromium-'));
  try {
    const r = spawnSync(
      bin,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 },
    );
    return { stdout: r.stdout ?? '', status: r.status, stderr: r.stderr ?? '' };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) to RGBA pixels. */
export function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])), 'PNG signature');
  let off = 8, width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.is(data[8], 8, 'bit depth 8');
      colorType = data[9]!;
      assert.ok(colorType === 2 || colorType === 6, 'RGB or RGBA');
      assert.is(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = new Uint8Array(width * height * 4);
  const prev = new Uint8Array(stride), cur = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0, b = prev[i]!, c = i >= bpp ? prev[i - bpp]! : 0;
      let v = line[i]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = v & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = cur[x * bpp]!; out[o + 1] = cur[x * bpp + 1]!; out[o + 2] = cur[x * bpp + 2]!; out[o + 3] = bpp === 4 ? cur[x * bpp + 3]! : 255;
    }
    prev.set(cur);
  }
  return { width, height, rgba: out };
}
