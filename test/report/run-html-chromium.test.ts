/**
 * report.html as a browser shows it: `bitcycle simulate` writes the page for a small zoo network,
 * headless Chromium lays it out, and the test reads back from the DOM that every bar of every chart
 * was drawn with a size, then takes a screenshot and finds the bar colours in its pixels.
 *
 * Needs Chromium (`chromium` or `chromium-browser` on PATH; Debian's `chromium` package, which
 * .ci/run installs). Without it the tests are skipped, unless BITCYCLE_REQUIRE_CHROMIUM=1, when they
 * fail.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { packageRoot } from '../../src/units/paths.js';
import { cli } from '../cli/helpers.js';

const REQUIRED = process.env.BITCYCLE_REQUIRE_CHROMIUM === '1';
const CHARTS = ['cycles', 'utilization', 'energy', 'energy-layers', 'area'];

function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of ['chromium', 'chromium-browser']) {
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        if (statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

const chromium = findChromium();

/** Skips the test when there is no Chromium, or fails it when Chromium is required. */
function needChromium(ctx: TestContext): string {
  if (chromium !== undefined) return chromium;
  const why = 'no chromium or chromium-browser on PATH';
  if (REQUIRED) throw new Error(`BITCYCLE_REQUIRE_CHROMIUM=1 but ${why}`);
  return ctx.skip(`${why} (install Debian's chromium package; .ci/run does)`);
}

/** Runs headless Chromium on a page; returns its stdout. */
function runChromium(bin: string, profile: string, args: readonly string[], page: string): string {
  const r = spawnSync(
    bin,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--virtual-time-budget=5000',
      ...args,
      pathToFileURL(page).href,
    ],
    { encoding: 'utf8', timeout: 50_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0)
    throw new Error(`chromium exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/**
 * Added to a copy of the page (the report itself has no script): after layout, it writes on every
 * chart how many of its bars have a non-zero rendered box, how many of its texts have a width, and
 * its rendered size.
 */
const PROBE = `<script>
for (const svg of document.querySelectorAll('svg[data-chart]')) {
  const box = svg.getBoundingClientRect();
  const bars = [...svg.querySelectorAll('rect.bar')].filter((r) => {
    const b = r.getBBox();
    const c = r.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && c.width > 0 && c.height > 0;
  });
  const texts = [...svg.querySelectorAll('text')].filter((t) => t.getComputedTextLength() > 0);
  svg.setAttribute('data-rendered-bars', String(bars.length));
  svg.setAttribute('data-rendered-texts', String(texts.length));
  svg.setAttribute('data-rendered-size', Math.round(box.width) + 'x' + Math.round(box.height));
}
document.body.setAttribute('data-rendered', 'done');
</script>`;

/** The opening tag of chart `id` and its markup. */
function chartOf(html: string, id: string): { tag: string; body: string } | undefined {
  const m = new RegExp(`(<svg class="chart" data-chart="${id}"[^>]*>)([\\s\\S]*?)</svg>`).exec(html);
  return m === null ? undefined : { tag: m[1]!, body: m[2]! };
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly pixel: (x: number, y: number) => readonly [number, number, number];
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes). */
function decodePng(png: Buffer): Rgba {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      expect(data[12]).toBe(0); // not interlaced
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[y * stride + i - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= channels && y > 0 ? out[(y - 1) * stride + i - channels]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + i] = (line[i]! + pred) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const o = y * stride + x * channels;
      return [out[o]!, out[o + 1]!, out[o + 2]!];
    },
  };
}

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

describe('report.html in headless Chromium', () => {
  let dir = '';
  let report = '';
  let html = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bitcycle-report-html-'));
    const out = join(dir, 'out');
    const hw = join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml');
    const r = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      'squeezenet1_1',
      '--workers',
      '1',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    report = join(out, 'report.html');
    html = readFileSync(report, 'utf8');
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('lays out every bar of every chart (read back from the DOM)', { timeout: 60_000 }, (ctx) => {
    const bin = needChromium(ctx);
    const probed = join(dir, 'probed.html');
    expect(html).toContain('</body>');
    writeFileSync(probed, html.replace('</body>', `${PROBE}\n</body>`));
    const dom = runChromium(bin, join(dir, 'profile-dom'), ['--dump-dom'], probed);
    expect(dom).toContain('data-rendered="done"');
    for (const id of CHARTS) {
      const source = chartOf(html, id);
      expect(source, `chart ${id} in report.html`).toBeDefined();
      const bars = (source!.body.match(/<rect class="bar"/g) ?? []).length;
      const texts = (source!.body.match(/<text[ >]/g) ?? []).length;
      expect(bars, `bars of ${id}`).toBeGreaterThan(0);
      const rendered = chartOf(dom, id);
      expect(rendered, `chart ${id} in the DOM`).toBeDefined();
      expect(attr(rendered!.tag, 'data-rendered-bars'), `drawn bars of ${id}`).toBe(String(bars));
      expect(attr(rendered!.tag, 'data-rendered-texts'), `drawn texts of ${id}`).toBe(String(texts));
      const [w, h] = (attr(rendered!.tag, 'data-rendered-size') ?? '0x0').split('x').map(Number);
      expect(w, `width of ${id}`).toBeGreaterThan(200);
      expect(h, `height of ${id}`).toBeGreaterThan(50);
    }
  });

  it('renders a screenshot with the charts in it', { timeout: 60_000 }, (ctx) => {
    const bin = needChromium(ctx);
    const shot = join(dir, 'report.png');
    runChromium(bin, join(dir, 'profile-shot'), ['--window-size=1280,1400', `--screenshot=${shot}`], report);
    const png = readFileSync(shot);
    expect(png.length).toBeGreaterThan(30_000);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([1280, 1400]);
    // the compute and stall colours of the cycles chart and the utilization colour, in pixels
    const fills = chartOf(html, 'cycles')!.body.match(/<rect class="bar"[^>]*fill="(#[0-9a-f]{6})"/g) ?? [];
    const colours = [...new Set(fills.map((f) => /fill="(#[0-9a-f]{6})"/.exec(f)![1]!))];
    const util = /<rect class="bar"[^>]*fill="(#[0-9a-f]{6})"/.exec(chartOf(html, 'utilization')!.body)![1]!;
    const wanted = [...colours, util].map(hexRgb);
    expect(wanted).toHaveLength(3);
    const seen = wanted.map(() => 0);
    let white = 0;
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) {
        const [r, g, b] = img.pixel(x, y);
        if (r === 255 && g === 255 && b === 255) white++;
        wanted.forEach(([wr, wg, wb], i) => {
          if (Math.abs(r - wr) <= 3 && Math.abs(g - wg) <= 3 && Math.abs(b - wb) <= 3) seen[i]!++;
        });
      }
    for (const n of seen) expect(n).toBeGreaterThan(2000);
    expect(white).toBeGreaterThan(0.3 * img.width * img.height);
    expect(white).toBeLessThan(0.98 * img.width * img.height);
  });
});
