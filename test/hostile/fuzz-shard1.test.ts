// CI fuzz campaign, shard 1 of 2 (shard 0: fuzz.test.ts). See fuzz/ci.ts.
import { defineShardTest } from './fuzz/shard-test.js';

defineShardTest(1);
