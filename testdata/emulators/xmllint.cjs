'use strict';
// Validates an XML file against an XSD with libxml2's xmllint, compiled to
// WebAssembly (the xmllint-wasm package), so that no native xmllint is
// needed. Exits 0 when the file is valid; 3 when it is not (or is not
// well-formed XML), with libxml2's messages on stderr; 2 on a usage error,
// a schema that does not compile, or a failure of the validator itself.
// (Not 1 for invalid: Node exits 1 on its own when a script crashes.)
// The schema must be one file: xs:include and xs:import are not loaded.
// Usage: node xmllint.cjs SCHEMA.xsd FILE.xml
const fs = require('fs');
const path = require('path');

function fail(code, message) {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
  process.exit(code);
}

const args = process.argv.slice(2);
if (args.length !== 2) {
  fail(2, 'usage: node xmllint.cjs SCHEMA.xsd FILE.xml');
}
const [schemaPath, xmlPath] = args;

let validateXML, memoryPages;
try {
  ({ validateXML, memoryPages } = require('xmllint-wasm'));
} catch (err) {
  fail(2, `xmllint.cjs: ${err.message}\nrun \`npm ci --prefix testdata/emulators\` (make test does)`);
}

let schema, xml;
try {
  schema = fs.readFileSync(schemaPath);
  xml = fs.readFileSync(xmlPath);
} catch (err) {
  fail(2, `xmllint.cjs: ${err.message}`);
}

// The files go into the validator's in-memory file system under their base
// names, which its messages then use; a name that starts with a dash would
// read as an option there.
const safe = (name) => name.replace(/^-+/, '_');
const schemaName = safe(path.basename(schemaPath));
let xmlName = safe(path.basename(xmlPath));
if (xmlName === schemaName) xmlName = 'document-' + xmlName;

// xmllint's exit codes (xmllint.c): 1 the XML is not well-formed, 3 and 4
// it does not validate, 5 the schema does not compile. validateXML can also
// throw before it returns a promise (on an option it rejects): starting it
// inside a promise sends that to the same handler.
Promise.resolve().then(() => validateXML({
  xml: [{ fileName: xmlName, contents: xml }],
  schema: [{ fileName: schemaName, contents: schema }],
  // Room for large reports: pages are 64 KiB, taken as needed.
  maxMemoryPages: 1024 * memoryPages.MiB,
})).then(
  (result) => {
    if (result.valid) process.exit(0);
    fail(3, result.rawOutput);
  },
  (err) => {
    const output = String(err.message || err);
    if (err.code === 1) fail(3, output);
    if (err.code === 5) fail(2, `xmllint.cjs: the schema ${schemaPath} does not compile:\n${output}`);
    fail(2, `xmllint.cjs: xmllint failed${err.code ? ` (exit ${err.code})` : ''}:\n${output}`);
  },
);
