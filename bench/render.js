#!/usr/bin/env node
// Baseline for the mergeproof benchmark.
//
// Loads a mergeproof project (campaigns/*.yaml, campaigns/partials/*.hbs, body_file
// templates, sample-profiles/*.yaml) and renders, for every campaign, every sample
// profile with the variant it would receive (the first variant whose audience matches):
// subject, preheader and body. Each template is compiled once per variant field and
// reused across profiles. It does nothing else: no checks, no edge cases, no report.
//
// Usage: node bench/render.js PROJECT_DIR [--print CAMPAIGN/PROFILE]
// Prints one line: "<cells> cells rendered in <ms> ms (load <ms> ms, compile <ms> ms,
// render <ms> ms)". With --print, also prints the named cell.

'use strict';

const fs = require('fs');
const path = require('path');
const Handlebars = require('handlebars');
const YAML = require('yaml');

const t0 = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;

const args = process.argv.slice(2);
let projectDir = null;
let printCell = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--print') printCell = args[++i];
  else if (args[i] === '-h' || args[i] === '--help') {
    console.log('usage: node render.js PROJECT_DIR [--print CAMPAIGN/PROFILE]');
    process.exit(0);
  } else projectDir = args[i];
}
if (!projectDir) {
  console.error('usage: node render.js PROJECT_DIR [--print CAMPAIGN/PROFILE]');
  process.exit(2);
}

// ---------------------------------------------------------------- helpers

function isBlank(v) {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

const SYMBOLS = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CNY: '¥', CAD: 'CA$', AUD: 'A$', AED: 'AED ' };

function currency(amount, code) {
  if (isBlank(amount)) return '';
  const n = Number(amount);
  if (!Number.isFinite(n)) return String(amount);
  const c = typeof code === 'string' && code.trim() ? code.trim().toUpperCase() : 'USD';
  const sym = Object.prototype.hasOwnProperty.call(SYMBOLS, c) ? SYMBOLS[c] : c + ' ';
  const fixed = Math.abs(n).toFixed(2);
  const dot = fixed.indexOf('.');
  const int = fixed.slice(0, dot).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (n < 0 ? '-' : '') + sym + int + fixed.slice(dot);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

function date(value) {
  if (isBlank(value)) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

function str(v) {
  return v === undefined || v === null ? '' : String(v);
}

// Handlebars passes an options hash as the last argument of every helper.
const params = (a) => Array.prototype.slice.call(a, 0, a.length - 1);

Handlebars.registerHelper('default', function () {
  const p = params(arguments);
  for (let i = 0; i < p.length - 1; i++) if (!isBlank(p[i])) return p[i];
  return p.length ? p[p.length - 1] : '';
});
Handlebars.registerHelper('currency', (amount, code) => currency(amount, typeof code === 'object' ? undefined : code));
Handlebars.registerHelper('upper', (v) => str(v).toUpperCase());
Handlebars.registerHelper('lower', (v) => str(v).toLowerCase());
Handlebars.registerHelper('title', (v) =>
  str(v).toLowerCase().replace(/(^|[\s\-'])(\p{L})/gu, (m, sep, ch) => sep + ch.toUpperCase()));
Handlebars.registerHelper('date', (v) => date(v));

const num = (v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
function cmp(a, b, op) {
  if (isBlank(a) || isBlank(b)) return false;
  const x = num(a);
  const y = num(b);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return op(x, y);
  return op(String(a), String(b));
}
Handlebars.registerHelper('eq', (a, b) => a === b || (a != null && b != null && String(a) === String(b)));
Handlebars.registerHelper('ne', (a, b) => !(a === b || (a != null && b != null && String(a) === String(b))));
Handlebars.registerHelper('gt', (a, b) => cmp(a, b, (x, y) => x > y));
Handlebars.registerHelper('gte', (a, b) => cmp(a, b, (x, y) => x >= y));
Handlebars.registerHelper('lt', (a, b) => cmp(a, b, (x, y) => x < y));
Handlebars.registerHelper('lte', (a, b) => cmp(a, b, (x, y) => x <= y));
Handlebars.registerHelper('and', function () { return params(arguments).every(Boolean); });
Handlebars.registerHelper('or', function () { return params(arguments).some(Boolean); });
Handlebars.registerHelper('not', (v) => !v || (Array.isArray(v) && v.length === 0));

// ---------------------------------------------------------------- audiences

function lookup(profile, dotted) {
  let v = profile;
  for (const key of String(dotted).split('.')) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = v[key];
  }
  return v === null ? undefined : v;
}

function same(a, b) {
  if (a === b) return true;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b) && String(a).trim() !== '' && String(b).trim() !== '';
  return false;
}

function order(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return NaN;
}

// A condition is { all: [...] } | { any: [...] } | { not: cond | [...] } | a leaf
// { field, <op>: value }. A comparison on a missing field is false; exists: false,
// not_in and ne on a missing field are true.
function matches(cond, profile) {
  if (cond === undefined || cond === null) return true;
  if (Array.isArray(cond)) return cond.every((c) => matches(c, profile));
  if ('all' in cond) return (cond.all || []).every((c) => matches(c, profile));
  if ('any' in cond) return (cond.any || []).some((c) => matches(c, profile));
  if ('not' in cond) return !matches(cond.not, profile);
  const v = lookup(profile, cond.field);
  const missing = v === undefined;
  if ('exists' in cond) return cond.exists ? !missing : missing;
  if ('eq' in cond) return !missing && same(v, cond.eq);
  if ('ne' in cond) return missing || !same(v, cond.ne);
  if ('in' in cond) return !missing && (cond.in || []).some((x) => same(v, x));
  if ('not_in' in cond) return missing || !(cond.not_in || []).some((x) => same(v, x));
  if ('gt' in cond) return !missing && order(v, cond.gt) > 0;
  if ('gte' in cond) return !missing && order(v, cond.gte) >= 0;
  if ('lt' in cond) return !missing && order(v, cond.lt) < 0;
  if ('lte' in cond) return !missing && order(v, cond.lte) <= 0;
  if ('contains' in cond) {
    if (missing) return false;
    if (Array.isArray(v)) return v.some((x) => same(x, cond.contains));
    return typeof v === 'string' && v.includes(String(cond.contains));
  }
  throw new Error(`unknown condition: ${JSON.stringify(cond)}`);
}

// ---------------------------------------------------------------- loading

const yamlFiles = (dir) =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f))
    : [];

const stem = (file) => path.basename(file).replace(/\.ya?ml$/, '');

const campaignsDir = path.join(projectDir, 'campaigns');
const partialsDir = path.join(campaignsDir, 'partials');
if (fs.existsSync(partialsDir)) {
  for (const f of fs.readdirSync(partialsDir).sort()) {
    if (f.endsWith('.hbs')) {
      Handlebars.registerPartial(f.replace(/\.hbs$/, ''), fs.readFileSync(path.join(partialsDir, f), 'utf8'));
    }
  }
}

const campaigns = [];
for (const file of yamlFiles(campaignsDir)) {
  if (path.basename(file).startsWith('mergeproof-reviews')) continue;
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  if (!doc || typeof doc !== 'object') continue;
  doc.id = doc.id || stem(file);
  doc.file = file;
  // The baseline is Handlebars.js: campaigns written for a platform that is
  // not (Mailchimp's backtick comparisons, Postmark's Mustachio) or that
  // calls a platform's helpers it does not have are left out of it.
  if (doc.dialect && doc.dialect !== 'mergeproof' && doc.dialect !== 'handlebars') continue;
  campaigns.push(doc);
}

const profiles = [];
for (const file of yamlFiles(path.join(projectDir, 'sample-profiles'))) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const values = [];
  for (const d of docs) {
    if (d.errors.length) throw d.errors[0];
    const v = d.toJS();
    if (Array.isArray(v)) values.push(...v.map((p) => ({ p, list: true })));
    else if (v && typeof v === 'object') values.push({ p: v, list: false });
  }
  values.forEach(({ p, list }, i) => {
    if (!p.id) p.id = values.length === 1 && !list ? stem(file) : `${stem(file)}#${i + 1}`;
    profiles.push(p);
  });
}
const t1 = process.hrtime.bigint();

// ---------------------------------------------------------------- compiling

const compileOpts = { strict: false, noEscape: false };
const compiled = campaigns.map((c) => ({
  id: c.id,
  variants: (c.variants || []).map((v) => {
    let body = v.body;
    if (body === undefined && v.body_file) {
      body = fs.readFileSync(path.resolve(path.dirname(c.file), v.body_file), 'utf8');
    }
    const compileField = (src) => {
      if (src === undefined || src === null) return null;
      const tpl = Handlebars.compile(String(src), compileOpts);
      tpl({}); // Handlebars.js compiles lazily: force it here, once.
      return tpl;
    };
    return {
      id: v.id,
      audience: v.audience,
      subject: compileField(v.subject),
      preheader: compileField(v.preheader),
      body: compileField(body),
    };
  }),
}));
const t2 = process.hrtime.bigint();

// ---------------------------------------------------------------- rendering

let cells = 0;
let unmatched = 0;
let bytes = 0;
let printed = null;
for (const c of compiled) {
  for (const p of profiles) {
    const v = c.variants.find((x) => matches(x.audience, p));
    if (!v) {
      unmatched++;
      continue;
    }
    const subject = v.subject ? v.subject(p) : '';
    const preheader = v.preheader ? v.preheader(p) : '';
    const body = v.body ? v.body(p) : '';
    bytes += subject.length + preheader.length + body.length;
    cells++;
    if (printCell === `${c.id}/${p.id}`) printed = { variant: v.id, subject, preheader, body };
  }
}
const t3 = process.hrtime.bigint();

if (printCell) {
  if (!printed) console.error(`no cell ${printCell}`);
  else console.log(`variant: ${printed.variant}\nsubject: ${printed.subject}\npreheader: ${printed.preheader}\n\n${printed.body}`);
}
console.log(
  `${cells} cells rendered in ${ms(t0, t3).toFixed(1)} ms ` +
    `(load ${ms(t0, t1).toFixed(1)} ms, compile ${ms(t1, t2).toFixed(1)} ms, render ${ms(t2, t3).toFixed(1)} ms; ` +
    `${campaigns.length} campaigns, ${profiles.length} profiles, ${unmatched} without a variant, ${bytes} chars)`,
);
