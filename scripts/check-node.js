// npm scripts run with node_modules/.bin first on PATH, so `node` is the Node 24 that the `node`
// devDependency installs. This guard turns a wrong runtime into one plain sentence instead of a
// segfault in a native module or a syntax error in a .ts file.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `Interhubz needs Node.js 24 or newer, but this is ${process.version}. ` +
      'Run it through npm (npm start, npm test), which uses the Node 24 from node_modules/.bin, ' +
      'or install Node 24.',
  );
  process.exit(1);
}
