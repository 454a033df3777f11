import { pendingCommand } from './pending.ts';

export const probesCommand = pendingCommand(
  'probes',
  'Generate (mrcr | graphwalks | acc) or import probe sets with known evidence spans.',
  'Usage: acc-lens probes mrcr|graphwalks|acc --n N --tokens T --seed S --out FILE\n       acc-lens probes import FILE --out FILE [--format F]\n       acc-lens probes inspect FILE',
  'the probe-set issue',
);
