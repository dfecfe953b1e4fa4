// What a parsed log line means for the correlation: a crash MSR write, an NMI, an operator request,
// a hypervisor-side event (seed 003 step 4), or VM configuration. Pure functions.

import type { ParsedLine } from './parse-line.js';
import type { HostEventCategory, NmiSender, VmLogKind } from './types.js';

/** Cheap first test on every line; only lines passing it are parsed. */
export const PREFILTER =
  /WinBSOD|NMI|stun|snapshot|quiesc|freez|checkpoint|scsi|abort|timed? ?out|APD|All Paths|PDL|permanent|MCE|MCA|ECC|machine.?check|hardware error|heartbeat|HBX|IoTracker|crash detected|vm-support|HungVM|DICT |Log for VMware|NumVCPUs|offset from UTC|DISKLIB|AIOMGR|latency|Msg_Post|vmdumper|NMP|vmhba|H:0x/i;

export type LineClass =
  | { type: 'msr'; index: number; value: string }
  | { type: 'nmi'; who: NmiSender; how: string }
  | { type: 'request'; request: 'Coredump_VM' | 'Suspend_VM' }
  | { type: 'crash-detected' }
  | { type: 'host'; category: HostEventCategory }
  | { type: 'vminfo'; key: string; value: string };

const WINBSOD = /WinBSOD:\s*Synthetic MSR\s*\[\s*(0x[0-9a-f]+)\s*\]\s*[:=]?\s*(0x[0-9a-f]+|\d+)/i;
const DICT = /^DICT\s+(\S+)\s*=\s*"([^"]*)"\s*$/;
const LOG_FOR = /^Log for (VMware [A-Za-z ]+?) pid=\d+ version=(\S+) build=(\S+)/;
const UTC_OFFSET = /^Host offset from UTC is ([+-]?\d{1,2}:\d{2})/;
const NUM_VCPUS = /^NumVCPUs (\d{1,4})\b/;

// VMX capability tables list "NMI exiting", "Virtual NMIs", "NMI-window exiting": not events.
const NMI_CAPABILITY = /NMI(?:-window)? exiting|Virtual NMIs|NMIs? (?:unblocking|pass)/i;
const NMI_SENT = /\b(?:send|sent|sending|inject|injected|injecting|deliver|delivered|delivering|post|posted|posting|raise|raised|trigger|triggered)\b/i;

// vmware.log
const VMW_STUN = /\b(?:un)?stun(?:ned|ning)?\b|Checkpoint_(?:Un)?[Ss]tun|quiesc|SnapshotVMX|Snapshot_(?:Take|Create|Delete|Consolidate|Revert)|\bConsolidate\b|\bfreez(?:e|ing)\b/i;
const VMW_DEVICE =
  /\b(?:scsi|sata|nvme|ide)\d+:\d+\b.*\b(?:error|fail(?:ed|ure)?|abort(?:ed|ing)?|reset|timed? ?out)\b|\b(?:AIOMGR|AIOWIN32C?|DISKLIB[-\w]*|PVSCSI|LSILOGIC|BusLogic)\b.*(?:I\/O error|read error|write error|fail(?:ed)? to (?:read|write|open)|\babort(?:ed|ing)?\b|\breset\b|\btimed? ?out\b|corrupt)/i;
const VMW_STORAGE = /\bAPD\b|All Paths Down|\bPDL\b|permanent(?:ly)? (?:device )?(?:loss|inaccessible)|There is no more space|lost access to/i;

// hostd.log
const CRASH_DETECTED = /Guest operating system crash detected/i;
const VM_SUPPORT = /vm-support(?:\.cgi)?\b|HungVM/i;
const HOSTD_STUN = /snapshot|quiesc|\bstun|consolidat/i;
const HOSTD_STORAGE = /lost access to volume|All Paths Down|\bAPD\b|\bPDL\b|permanent(?:ly)? (?:device )?(?:loss|inaccessible)|heartbeat.*(?:timed? ?out|lost|fail)|I\/O latency|latency (?:increased|deteriorated)/i;
const HOSTD_NMI_API = /\bsend_?NMI\b|SendNMI/i;

// vmkernel.log
const VMK_HOST_NMI = /\bNMI\b.*(?:PSOD|LINT1|HEST|IOCK|SERR|hardware|watchdog|heartbeat|PCPU)|(?:LINT1|HEST|ApeiHEST).*\bNMI\b/i;
const VMK_GUEST_NMI = /\bNMI\b.*\b(?:vm|vmm|guest|world|vcpu|vmdumper)\b|\b(?:vmdumper|guest|vcpu|vmm)\b.*\bNMI\b/i;
const VMK_MEMORY = /\bMCE\b|\bMCA\b|machine.?check|\bECC\b|hardware error|uncorrect(?:able|ed) (?:memory )?error|corrected memory error/i;
const VMK_STORAGE =
  /\bAPD\b|All Paths Down|\bPDL\b|permanent(?:ly)? (?:device )?(?:loss|inaccessible)|PERM(?:ANENT)?_DEV(?:ICE)?_LOSS|IoTracker.*took over|\bHBX\b.*(?:timed? ?out|lost|fail)|heartbeat.*(?:timed? ?out|lost|fail)|(?:ScsiDeviceIO|NMP|nmp_|SCSI|vmhba\d+|ScsiPath|ScsiCore|vmw_ahci|nvme).*(?:abort|timed? ?out|H:0x[1-9a-f]|D:0x[1-9a-f]|reset|latency|deteriorated|failed)/i;
const VMK_STUN = /\b(?:un)?stun|quiesc|snapshot|checkpoint/i;

/** Classify a parsed line. `fileKind` is used when the line shape does not say which log it is. */
export function classifyLine(p: ParsedLine, fileKind: VmLogKind): LineClass[] {
  const kind: VmLogKind =
    p.format === 'vmware-legacy' || p.format === 'vmware-modern' ? 'vmware' : p.format === 'hostd' ? 'hostd' : p.format === 'vmkernel' ? 'vmkernel' : fileKind;
  const msg = p.message;
  if (kind === 'vmware') return classifyVmware(msg);
  if (kind === 'hostd') return classifyHostd(msg);
  if (kind === 'vmkernel') return classifyVmkernel(msg);
  // Unknown file and line shape: only the unambiguous markers.
  const w = WINBSOD.exec(msg);
  if (w) {
    const c = msrClass(w[1]!, w[2]!);
    return c ? [c] : [];
  }
  if (CRASH_DETECTED.test(msg)) return [{ type: 'crash-detected' }];
  if (VM_SUPPORT.test(msg)) return vmSupport(msg);
  return [];
}

function msrClass(msrText: string, valueText: string): LineClass | undefined {
  const msr = parseInt(msrText, 16);
  const index = msr - 0x40000100;
  if (index < 0 || index > 5) return undefined;
  const value = BigInt(valueText);
  return { type: 'msr', index, value: `0x${value.toString(16)}` };
}

function classifyVmware(msg: string): LineClass[] {
  const w = WINBSOD.exec(msg);
  if (w) {
    const c = msrClass(w[1]!, w[2]!);
    return c ? [c] : [];
  }
  if (msg.startsWith('DICT')) {
    const d = DICT.exec(msg);
    return d ? [{ type: 'vminfo', key: d[1]!, value: d[2]! }] : [];
  }
  // Configuration echo is never an event.
  if (msg.startsWith('ConfigDB:') || msg.startsWith('Command line:')) return [];
  let m = LOG_FOR.exec(msg);
  if (m) return [{ type: 'vminfo', key: 'product', value: m[1]! }, { type: 'vminfo', key: 'productVersion', value: m[2]! }, { type: 'vminfo', key: 'build', value: m[3]! }];
  m = UTC_OFFSET.exec(msg);
  if (m) return [{ type: 'vminfo', key: 'hostUtcOffset', value: m[1]! }];
  m = NUM_VCPUS.exec(msg);
  if (m) return [{ type: 'vminfo', key: 'NumVCPUs', value: m[1]! }];
  if (/\bNMI\b/.test(msg) && !NMI_CAPABILITY.test(msg)) {
    if (/vmdumper/i.test(msg)) return [{ type: 'nmi', who: 'host', how: 'vmdumper' }];
    if (NMI_SENT.test(msg)) return [{ type: 'nmi', who: 'host', how: 'vmx' }];
  }
  if (VMW_STORAGE.test(msg)) return [{ type: 'host', category: 'storage' }];
  if (VMW_DEVICE.test(msg)) return [{ type: 'host', category: 'device' }];
  if (VMW_STUN.test(msg) && !/restoring Snapshot|snapshot\.\w+ =|hybrid freeze/i.test(msg)) return [{ type: 'host', category: 'stun-snapshot' }];
  return [];
}

/** The manifests a vm-support request names (URL-decoded). */
function vmSupport(msg: string): LineClass[] {
  // Percent-decoding by hand: a malformed escape stays as it is instead of throwing.
  const text = msg.replace(/\+/g, ' ').replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  const out: LineClass[] = [];
  if (/HungVM[:/ _]+Send_NMI_To_Guest/i.test(text)) out.push({ type: 'nmi', who: 'administrator', how: 'vm-support HungVM:Send_NMI_To_Guest' });
  if (/HungVM[:/ _]+Coredump_VM/i.test(text)) out.push({ type: 'request', request: 'Coredump_VM' });
  if (/HungVM[:/ _]+Suspend_VM/i.test(text)) out.push({ type: 'request', request: 'Suspend_VM' });
  return out;
}

function classifyHostd(msg: string): LineClass[] {
  if (CRASH_DETECTED.test(msg)) return [{ type: 'crash-detected' }];
  if (VM_SUPPORT.test(msg)) {
    const r = vmSupport(msg);
    if (r.length > 0) return r;
  }
  if (HOSTD_NMI_API.test(msg)) return [{ type: 'nmi', who: 'administrator', how: 'vSphere API SendNMI' }];
  if (HOSTD_STORAGE.test(msg)) return [{ type: 'host', category: 'storage' }];
  if (VMK_MEMORY.test(msg)) return [{ type: 'host', category: 'memory' }];
  if (HOSTD_STUN.test(msg)) return [{ type: 'host', category: 'stun-snapshot' }];
  return [];
}

function classifyVmkernel(msg: string): LineClass[] {
  if (/\bNMI\b/.test(msg)) {
    if (VMK_HOST_NMI.test(msg)) return [{ type: 'host', category: 'host-nmi' }];
    if (VMK_GUEST_NMI.test(msg)) return [{ type: 'nmi', who: 'host', how: /vmdumper/i.test(msg) ? 'vmdumper' : 'vmkernel' }];
  }
  if (VMK_MEMORY.test(msg)) return [{ type: 'host', category: 'memory' }];
  if (VMK_STORAGE.test(msg)) return [{ type: 'host', category: 'storage' }];
  if (VMK_STUN.test(msg)) return [{ type: 'host', category: 'stun-snapshot' }];
  return [];
}
