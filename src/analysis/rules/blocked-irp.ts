// 0x9F sub-code 3: walk the blocked power IRP (parameter 4) to the driver that holds it:
// IRP → current stack location → device object → driver object → DriverStart → module.
import { bugcheckHex, hex } from '../../util/hex.js';
import { baseBugcheckCode } from '../knowledge.js';
import { readPointer } from '../modules.js';
import { defineRule } from './types.js';

/** Offsets per pointer size (x64 / x86), from the public WDK structure layouts. */
const LAYOUT = {
  8: { irpCurrentStack: 0xb8, stackMinor: 1, stackPowerType: 0x10, stackPowerState: 0x18, stackDevice: 0x28, devDriver: 0x08, drvStart: 0x18 },
  4: { irpCurrentStack: 0x60, stackMinor: 1, stackPowerType: 0x08, stackPowerState: 0x0c, stackDevice: 0x14, devDriver: 0x08, drvStart: 0x0c },
} as const;

export default defineRule({
  meta: {
    id: 'blocked-irp',
    stability: 'stable',
    needs: ['bugcheck', 'memory', 'modules'],
    docs: { description: 'For 0x9F sub-code 3, follows the blocked power IRP in parameter 4 to the driver holding it (needs the IRP in the dump)' },
    messages: {
      blocked: 'The blocked power IRP {{irp}} is held by {{driver}} (device object {{device}}), a {{direction}} request',
      missing: 'The blocked power IRP {{irp}} is not in this dump: a kernel or complete dump would name the driver holding it',
    },
  },
  create(ctx) {
    return {
      async bugcheck(bc) {
        if (baseBugcheckCode(bc.code) !== 0x9f || bc.args[0] !== 3n) return;
        const ps = ctx.facts.pointerSize;
        const L = LAYOUT[ps];
        const irp = bc.args[3];
        const irpBytes = await ctx.readMemory(irp + BigInt(L.irpCurrentStack), ps);
        const stackLoc = irpBytes && readPointer(irpBytes, 0, ps);
        const stack = stackLoc ? await ctx.readMemory(stackLoc, L.stackDevice + ps) : undefined;
        const device = stack && readPointer(stack, L.stackDevice, ps);
        const devBytes = device ? await ctx.readMemory(device + BigInt(L.devDriver), ps) : undefined;
        const driverObj = devBytes && readPointer(devBytes, 0, ps);
        const drvBytes = driverObj ? await ctx.readMemory(driverObj + BigInt(L.drvStart), ps) : undefined;
        const start = drvBytes && readPointer(drvBytes, 0, ps);
        const hit = start !== undefined ? ctx.modules.findLoaded(start) : undefined;
        if (!stack || !hit) {
          ctx.report({ messageId: 'missing', data: { irp: hex(irp) }, evidence: [bc.at] });
          return;
        }
        const dv = new DataView(stack.buffer, stack.byteOffset, stack.byteLength);
        const type = dv.getUint32(L.stackPowerType, true);
        const state = dv.getUint32(L.stackPowerState, true);
        // SystemPowerState: 1 = working; DevicePowerState: 1 = D0. Anything higher powers down.
        const direction = state > 1 ? 'POWER_DOWN' : 'POWER_UP';
        ctx.report({
          messageId: 'blocked',
          data: { irp: hex(irp), driver: hit.module.name, device: hex(device!), direction: direction === 'POWER_DOWN' ? 'power-down' : 'power-up' },
          hint: {
            blame: { module: hit.module.name, address: start, reason: `it holds the blocked power IRP ${hex(irp)} (bug check ${bugcheckHex(bc.code)} sub-code 3)`, confidence: 0.85 },
            bucketClass: `0x9F_3_${direction}`,
            notes: { powerType: type === 0 ? 'system' : 'device', powerState: String(state) },
            priority: 5,
          },
          evidence: [bc.at],
        });
      },
    };
  },
});
