// JSON output: the rules of util/json.ts (bigints as hex strings, byte arrays as capped hex).

import { toJsonText } from '../../util/json.js';

export function toJson(value: unknown, pretty = false): string {
  return toJsonText(value, pretty);
}
