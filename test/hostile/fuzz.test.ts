// CI fuzz campaign, shard 0 of 2 (shard 1: fuzz-shard1.test.ts). See fuzz/ci.ts.
import { defineShardTest } from './fuzz/shard-test.js';

defineShardTest(0);
