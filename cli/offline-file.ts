/**
 * Where `eatctl agent authenticate --save-data` may put offline data, which is worth the token plus the
 * PIN to whoever copies it: a bare name goes to `offline/` in the local data directory (`.local/`, which
 * git ignores); a path inside the repository is refused unless git ignores it; a path outside it is the
 * user's to choose. The file is written with mode 0600 whatever was there before.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { projectRoot } from '../local/engines';
import { localDataDir } from '../local/endpoints';
import { UsageError } from './verb';

export interface OfflineFilePlaces {
  cwd: string;
  root: string;
  dataDir: string;
}

const defaultPlaces = (env: NodeJS.ProcessEnv = process.env): OfflineFilePlaces => ({
  cwd: process.cwd(),
  root: projectRoot(),
  dataDir: localDataDir(env),
});

const isInside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** Whether git ignores the path in the repository at root; null when git cannot say (no git, no repository). */
function gitIgnores(root: string, path: string): boolean | null {
  const check = spawnSync('git', ['-C', root, 'check-ignore', '-q', '--no-index', path], { stdio: 'ignore' });
  if (check.status === 0) return true;
  if (check.status === 1) return false;
  return null;
}

/** The absolute path the offline data goes to, or a UsageError saying why not there and where instead. */
export function offlineDataPath(given: string, places: OfflineFilePlaces = defaultPlaces()): string {
  if (given === '' || given.endsWith('/')) throw new UsageError('--save-data names a file');
  if (basename(given) === given) return join(places.dataDir, 'offline', given);
  const path = resolve(places.cwd, given);
  if (!isInside(places.root, path)) return path;
  const ignored = gitIgnores(places.root, path);
  // Without git (a copy of the repository, not a clone), only the local data directory is known safe.
  if (ignored === true || (ignored === null && isInside(places.dataDir, path))) return path;
  throw new UsageError(
    `${given} is inside the repository and ${ignored === false ? 'git does not ignore it' : 'git cannot say it is ignored'}: ` +
      `offline data is worth the token plus the PIN. Give a bare name (--save-data ${basename(given)} ` +
      `saves to ${relative(places.cwd, join(places.dataDir, 'offline', basename(given))) || '.'}), ` +
      'or a path git ignores or outside the repository',
  );
}

/** Writes the file with mode 0600 (a new file, renamed over any old one, so an old mode never stays). */
export function writeSecretFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** The path as the user would type it from where they are. */
export function shownPath(path: string, cwd: string = process.cwd()): string {
  return isInside(cwd, path) ? relative(cwd, path) : path;
}
