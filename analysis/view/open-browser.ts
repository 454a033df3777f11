import { spawn } from 'node:child_process';

/** The command that opens a URL in the desktop's browser, or null where there is no desktop to open it on. */
export function browserOpener(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): { command: string; args: string[] } | null {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  // Without a display (SSH, containers) xdg-open would fall back to a terminal browser or fail.
  if (env.DISPLAY === undefined && env.WAYLAND_DISPLAY === undefined) return null;
  return { command: 'xdg-open', args: [] };
}

/**
 * Opens `url` in a browser, detached, without waiting; resolves to false when there is no opener
 * (no display, or xdg-open/open not installed) so the caller can print a quiet hint instead.
 */
export function openBrowser(url: string): Promise<boolean> {
  const opener = browserOpener();
  if (opener === null) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(opener.command, [...opener.args, url], { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
