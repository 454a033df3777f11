import { FONT_FAMILY } from '../charts/theme.ts';
import fontUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?url';
import boldUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf?url';

function save(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The panel's SVG markup exactly as drawn (the same drawing `acc-lens figures` writes). */
export function svgMarkup(root: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(root)}`;
}

export function downloadSvg(root: SVGSVGElement, id: string): void {
  save(new Blob([svgMarkup(root)], { type: 'image/svg+xml' }), `${id}.svg`);
}

async function dataUrl(url: string): Promise<string> {
  const blob = await (await fetch(url)).blob();
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.readAsDataURL(blob);
  });
}

/** An SVG drawn as an image cannot load page fonts: embed DejaVu so the PNG keeps the figure's type. */
async function withFonts(root: SVGSVGElement): Promise<string> {
  const clone = root.cloneNode(true) as SVGSVGElement;
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = `@font-face{font-family:'${FONT_FAMILY}';src:url(${await dataUrl(fontUrl)})}@font-face{font-family:'${FONT_FAMILY}';font-weight:bold;src:url(${await dataUrl(boldUrl)})}`;
  clone.insertBefore(style, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

/** PNG of the panel at `scale` × its size, rendered by the browser from the same SVG. */
export async function panelPng(root: SVGSVGElement, scale = 3): Promise<Blob> {
  const w = Number(root.getAttribute('width'));
  const h = Number(root.getAttribute('height'));
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(await withFonts(root))}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
  );
}

export async function downloadPng(root: SVGSVGElement, id: string): Promise<void> {
  save(await panelPng(root), `${id}.png`);
}
