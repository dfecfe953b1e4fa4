// Which files to read: explicit files as given, folders (an unpacked vm-support bundle) walked
// recursively for the log names ESXi and VMware use, rotations included.

import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LIMITS } from '../limits.js';
import type { VmLogKind } from './types.js';

// vmware.log, vmware-1.log ... vmware-N.log (VMX rotation), optionally gzipped by hand; also with a
// prefix naming the VM or host, as logs are renamed when collected: web01-vmware.log,
// afoote-win10vm-vmware-2.log, host_vmware.log.
const VMWARE_NAME = /^(?:.*[-_.])?vmware(?:-\d+)?\.log(?:\.gz)?$/i;
// hostd.log, hostd.0.gz, hostd.1.gz (ESXi vmsyslogd rotation), hostd.log.1, hostd-1.log(.gz)
const HOSTD_NAME = /^hostd(?:[.-]\d+)?(?:\.log)?(?:\.\d+)?(?:\.gz)?$/i;
// vmkernel.log, vmkernel.0.gz, vmkwarning.log and rotations.
const VMKERNEL_NAME = /^(?:vmkernel|vmkwarning)(?:[.-]\d+)?(?:\.log)?(?:\.\d+)?(?:\.gz)?$/i;

/** The log kind a file name says, or undefined when the name is not one we know. */
export function kindFromName(path: string): VmLogKind | undefined {
  const name = basename(path);
  if (VMWARE_NAME.test(name)) return 'vmware';
  if (HOSTD_NAME.test(name) && name.toLowerCase() !== 'hostd') return 'hostd';
  if (VMKERNEL_NAME.test(name) && !/^(vmkernel|vmkwarning)$/i.test(name)) return 'vmkernel';
  return undefined;
}

/** Sort key that puts rotations oldest first: vmware-3.log, vmware-2.log, vmware-1.log, vmware.log. */
function rotationIndex(path: string): number {
  const m = /[.-](\d+)(?:\.log)?(?:\.gz)?$/i.exec(basename(path));
  return m ? Number(m[1]) : -1;
}

export interface LogFile {
  path: string;
  /** From the name; files given explicitly with another name are sniffed by their lines. */
  kind: VmLogKind;
  /** Named on the command line (not found in a folder): one that is not a log is an input error. */
  explicit?: boolean;
}

export interface ExpandResult {
  files: LogFile[];
  warnings: Array<{ code: string; message: string; file?: string }>;
}

/** Expand files and folders into the log files to read, each once. */
export async function expandLogPaths(paths: string[]): Promise<ExpandResult> {
  const files: LogFile[] = [];
  const warnings: ExpandResult['warnings'] = [];
  const seen = new Set<string>();
  let limitWarned = false;

  const add = (path: string, kind: VmLogKind, explicit = false): void => {
    if (seen.has(path)) return;
    if (files.length >= LIMITS.maxVmLogFiles) {
      if (!limitWarned) {
        limitWarned = true;
        warnings.push({ code: 'VmLogTooManyFiles', message: `more than ${LIMITS.maxVmLogFiles} log files; the rest are skipped` });
      }
      return;
    }
    seen.add(path);
    files.push(explicit ? { path, kind, explicit } : { path, kind });
  };

  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > LIMITS.maxVmLogDirDepth) {
      warnings.push({ code: 'VmLogDirTooDeep', message: `folder deeper than ${LIMITS.maxVmLogDirDepth} levels skipped`, file: dir });
      return;
    }
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      warnings.push({ code: 'VmLogIoError', message: `cannot list folder: ${(e as Error).message}`, file: dir });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const found: LogFile[] = [];
    for (const ent of entries) {
      const p = join(dir, ent.name);
      // Symbolic links are not followed: bundles link folders into each other.
      if (ent.isDirectory()) await walk(p, depth + 1);
      else if (ent.isFile()) {
        const kind = kindFromName(p);
        if (kind) found.push({ path: p, kind });
      }
    }
    found.sort((a, b) => rotationIndex(b.path) - rotationIndex(a.path));
    for (const f of found) add(f.path, f.kind);
  };

  for (const p of paths) {
    let st;
    try {
      st = await lstat(p);
      if (st.isSymbolicLink()) st = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'VmLogNotFound' : 'VmLogIoError';
      warnings.push({ code, message: `cannot read: ${(e as Error).message}`, file: p });
      continue;
    }
    if (st.isDirectory()) {
      const before = files.length;
      await walk(p, 0);
      if (files.length === before) {
        warnings.push({ code: 'VmLogNoLogs', message: 'no vmware.log, hostd or vmkernel log found in this folder', file: p });
      }
    } else if (st.isFile()) {
      add(p, kindFromName(p) ?? 'unknown', true);
    } else {
      warnings.push({ code: 'VmLogNotAFile', message: 'not a regular file or folder', file: p });
    }
  }
  return { files, warnings };
}
