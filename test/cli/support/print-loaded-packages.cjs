// Preloaded (`node -r`) by daemon-modules.test.ts: at exit, prints the npm packages whose
// CommonJS modules the process loaded, one line of JSON on stderr.
process.on('exit', () => {
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (match) packages.add(match[1]);
  }
  process.stderr.write(`loaded packages: ${JSON.stringify([...packages].sort())}\n`);
});
