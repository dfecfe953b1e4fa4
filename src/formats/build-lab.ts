// Windows build lab strings, the three shapes dumps hold them in, and what WinDbg makes of them:
// OS_VERSION (major.minor.build.revision) and BUILDLAB_STR (the branch).
//
//   "19041.1.amd64fre.vb_release.191206-1406"      NtBuildLab: the kernel's KDBG NtBuildLab, and the
//                                                 MINIDUMP_MISC_INFO_4 BuildString dbghelp/dbgcore write
//   "10.0.14393.6343 (rs1_release.230913-1727)"   a FileVersion string (older dbgcore, dbgeng writers)
//   "Windows NT 10.0.22000.282"                    Crashpad's BuildString (its CSDVersion is then "282")
//
// The revision of an NtBuildLab string is that of the lab build: Windows 10 2004..22H2 all say
// "19041.1" whatever update is installed, and serviced branches ("ni_release_svc_prod3") carry the
// update's number ("22621.2506"). WinDbg prints it as it stands; so do we, and say where it came from.

export interface BuildLab {
  /** The build the string names (19041 in "19041.1.amd64fre..."). */
  build: number;
  /** The fourth number of the version (1 in "19041.1.amd64fre...", 6343 in "10.0.14393.6343 (...)"). */
  revision: number;
  /** major.minor when the string carries them ("10.0" in a FileVersion or Crashpad string). */
  majorMinor?: string;
  /** The lab branch: "vb_release", "ni_release_svc_prod3", "rs1_release". WinDbg's BUILDLAB_STR. */
  branch?: string;
}

const NT_BUILD_LAB = /^(\d{3,5})\.(\d{1,6})\.[a-z0-9]+(?:fre|chk)\.([A-Za-z0-9_]+)\.\d{6}-\d{4}$/;
const FILE_VERSION = /^(\d{1,2}\.\d{1,2})\.(\d{3,5})\.(\d{1,6}) \(([A-Za-z0-9_]+)\.\d{6}-\d{4}\)$/;
const CRASHPAD = /^Windows NT (\d{1,2}\.\d{1,2})\.(\d{3,5})\.(\d{1,6})$/;

/** The build, revision and branch of a build lab string in one of the three known shapes; undefined for anything else. */
export function parseBuildLab(text: string): BuildLab | undefined {
  const s = text.trim();
  let m = NT_BUILD_LAB.exec(s);
  if (m) return { build: Number(m[1]), revision: Number(m[2]), branch: m[3]! };
  m = FILE_VERSION.exec(s);
  if (m) return { majorMinor: m[1]!, build: Number(m[2]), revision: Number(m[3]), branch: m[4]! };
  m = CRASHPAD.exec(s);
  if (m) return { majorMinor: m[1]!, build: Number(m[2]), revision: Number(m[3]) };
  return undefined;
}

/** What the system facts gain from a build lab string (field names as in SystemFacts). */
export interface BuildLabFacts {
  buildLab: string;
  buildLabSource: string;
  buildLabBranch?: string;
  osVersionFull?: string;
  osVersionFullSource?: string;
}

/**
 * The facts a build lab string gives: itself and its source always; its branch when it names one;
 * OS_VERSION with the revision when major.minor is known (from the string, else from `osVersion`).
 * Undefined when the text is in none of the known shapes (nothing is guessed from it).
 */
export function buildLabFacts(text: string, source: string, osVersion: string | undefined): BuildLabFacts | undefined {
  const lab = parseBuildLab(text);
  if (!lab) return undefined;
  const out: BuildLabFacts = { buildLab: text.trim(), buildLabSource: source };
  if (lab.branch) out.buildLabBranch = lab.branch;
  const mm = lab.majorMinor ?? /^(\d+\.\d+)\./.exec(osVersion ?? '')?.[1];
  if (mm) {
    out.osVersionFull = `${mm}.${lab.build}.${lab.revision}`;
    out.osVersionFullSource = source;
  }
  return out;
}
