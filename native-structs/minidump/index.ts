// Every minidump layout, re-exported.
export * from './header.js';
export * from './memory.js';
export * from './threads.js';
export * from './modules.js';
export * from './exception.js';
export * from './system.js';
export * from './handles.js';
export * from './process.js';
export * from '../contexts.js';
export * from './breakpad.js';
