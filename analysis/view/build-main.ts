// `npm run build:viewer` (and the `prepare` script after `npm ci`): builds viewer/dist with its stamp.
import { buildViewer, DEFAULT_DIST_DIR } from './viewer-build.ts';

const { seconds, stamp } = await buildViewer();
process.stdout.write(
  `Built the viewer into ${DEFAULT_DIST_DIR} in ${seconds.toFixed(1)} s${stamp === null ? ' (sources changed during the build: `acc-lens view` will rebuild)' : ''}\n`,
);
