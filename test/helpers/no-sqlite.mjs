// Preload (`node --import test/helpers/no-sqlite.mjs ...`) for tests of an installation without a
// working better-sqlite3, the optional dependency. DT_TEST_SQLITE says how it fails:
// - `missing` (default): the package is not installed (what npm leaves when its build fails):
//   `require('better-sqlite3')` and `import 'better-sqlite3'` both throw "Cannot find module".
// - `broken`: the package is there but its native binary is not (a failed build, or one for
//   another Node.js): the require works, and opening a database throws, as better-sqlite3 does.
// Worker threads inherit the flag, so the scan's workers see the same installation.
import Module, { register } from 'node:module';

const mode = process.env.DT_TEST_SQLITE || 'missing';
const isSqlite = (request) => request === 'better-sqlite3' || request.startsWith('better-sqlite3/');

if (mode === 'missing') {
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (isSqlite(request)) {
      const e = new Error(`Cannot find module '${request}'`);
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    return resolveFilename.call(this, request, ...rest);
  };
  // ES module imports resolve without Module._resolveFilename: a resolve hook refuses them too.
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === 'better-sqlite3' || specifier.startsWith('better-sqlite3/')) {
      const e = new Error("Cannot find package 'better-sqlite3' imported from " + context.parentURL);
      e.code = 'ERR_MODULE_NOT_FOUND';
      throw e;
    }
    return next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
} else if (mode === 'broken') {
  const load = Module._load;
  Module._load = function (request, parent, ...rest) {
    if (request === 'bindings' && parent?.filename?.includes('better-sqlite3')) {
      return () => {
        throw new Error('Could not locate the bindings file. Tried:\n → build/Release/better_sqlite3.node');
      };
    }
    return load.call(this, request, parent, ...rest);
  };
} else {
  throw new Error(`DT_TEST_SQLITE=${mode}: want missing or broken`);
}
