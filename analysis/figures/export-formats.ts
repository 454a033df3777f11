import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** The fonts every figure uses (DejaVu, Bitstream Vera licence: dejavu-fonts-ttf's LICENSE), shipped as an npm package. */
export const FIGURE_FONTS = {
  regular: join(FONT_DIR, 'DejaVuSans.ttf'),
  bold: join(FONT_DIR, 'DejaVuSans-Bold.ttf'),
} as const;

/** Fixed so PDF bytes repeat; PDFs carry no other time. */
export const PDF_CREATION_DATE = new Date('2026-01-01T00:00:00Z');

/**
 * SVG → PNG with resvg, fonts given explicitly (never system fonts: text cannot vanish or change
 * between machines). `scale` 4 gives ≈ 288 dpi for a figure sized in points.
 */
export function svgToPng(svg: string, scale = 4): Uint8Array {
  const resvg = new Resvg(svg, {
    font: {
      fontFiles: [FIGURE_FONTS.regular, FIGURE_FONTS.bold],
      loadSystemFonts: false,
      defaultFontFamily: 'DejaVu Sans',
    },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** SVG → vector PDF (text stays text, in the embedded DejaVu font), one page the size of the figure in points. */
export function svgToPdf(svg: string, width: number, height: number, title: string): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: [width, height],
    margin: 0,
    autoFirstPage: true,
    info: { Title: title, Creator: 'acc-lens', Producer: 'acc-lens (pdfkit)', CreationDate: PDF_CREATION_DATE },
  });
  doc.registerFont('DejaVu Sans', FIGURE_FONTS.regular);
  doc.registerFont('DejaVu Sans-Bold', FIGURE_FONTS.bold);
  const chunks: Uint8Array[] = [];
  doc.on('data', (c: Uint8Array) => chunks.push(c));
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  SVGtoPDF(doc, svg, 0, 0, {
    width,
    height,
    assumePt: true,
    fontCallback: (_family: string, bold: boolean) => (bold ? 'DejaVu Sans-Bold' : 'DejaVu Sans'),
  });
  doc.end();
  return done;
}
