// Renders every case of corpus.json with Handlebars.js, as a team's own code
// runs it (`Handlebars.create()`, default options, no helpers of its own), and
// prints the results as JSON: { name: { output } | { error } }.
//
//   node render.js              print the results
//   node render.js --write      write them to expected.json
'use strict';
const fs = require('fs');
const path = require('path');
const Handlebars = require('handlebars');

// `{{log}}` writes to the console; only the results go to standard output.
for (const level of ['log', 'info', 'debug', 'warn', 'error']) console[level] = () => {};

const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, 'corpus.json'), 'utf8'));
const results = {};
for (const c of corpus) {
  const hb = Handlebars.create();
  for (const [name, text] of Object.entries(c.partials || {})) {
    hb.registerPartial(name, text);
  }
  try {
    results[c.name] = { output: hb.compile(c.template)(c.data) };
  } catch (e) {
    // The message varies between releases; that it fails is what counts.
    results[c.name] = { error: String(e.message).split('\n')[0] };
  }
}
const text = JSON.stringify(results, null, 1) + '\n';
if (process.argv.includes('--write')) {
  fs.writeFileSync(path.join(__dirname, 'expected.json'), text);
} else {
  process.stdout.write(text);
}
