// Seminar mode: the levers, the runs kept side by side, their charts and the town map.
// Plain JavaScript with no dependencies; everything is drawn here as SVG from the JSON the
// server sends (see the README's "Seminar mode" section for the API).
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_RUNS = 4;
// Okabe–Ito: one colour per run kept.
const RUN_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7'];
// The same colours, by venue kind, as the engine's own map (charts/map.png).
const KIND_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const KIND_SHAPES = {
  pub: [24, 0, 1.0], library: [4, Math.PI / 4, 1.2], community_centre: [3, -Math.PI / 2, 1.25],
  welfare_hall: [4, 0, 1.25], park: [5, -Math.PI / 2, 1.1], sports_club: [3, Math.PI / 2, 1.25],
  place_of_worship: [6, 0, 1.1],
};
const SHADES = [[0xff, 0xf7, 0xd6], [0x9f, 0xd8, 0xc0], [0x3a, 0x8f, 0xc4]];
// Levers and the event kinds they set.
const LEVERS = ['austerity', 'invest', 'grants', 'devolution', 'right_to_bid', 'assembly'];

const state = {
  catalogue: null,
  base: null,        // the built-in scenario the levers start from
  plan: [],          // its events, each with the lever that owns it (or none)
  runs: [],          // kept runs, oldest first: {id, colour, summary, result}
  known: new Set(),  // ids of every run ever kept here (so a dropped run is not taken again)
  year: null,
  metric: 'belonging',
  playing: null,
};

const $ = (id) => document.getElementById(id);
const form = () => $('levers');
const field = (name) => form().elements.namedItem(name);

function el(tag, attrs = {}, parent = null, svg = false) {
  const node = svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}
const s = (tag, attrs, parent) => el(tag, attrs, parent, true);

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  if (!response.ok) {
    const e = new Error(body.error || `the server answered ${response.status}`);
    e.status = response.status;
    e.key = body.key;
    throw e;
  }
  return body;
}

// ------------------------------------------------------------------------ the levers

function years() {
  const b = state.base;
  const n = Number(field('years').value) || b.years;
  return Array.from({ length: n }, (_, i) => b.start_year + i);
}

function fillYears() {
  for (const select of form().querySelectorAll('select.year')) {
    const keep = select.value;
    select.replaceChildren();
    for (const y of years()) el('option', { value: y, text: y }, select);
    if (keep) select.value = keep;
  }
}

function setValue(name, value) {
  const f = field(name);
  if (!f) return;
  if (f.type === 'checkbox') f.checked = !!value; else f.value = value;
}

function leverOf(event) {
  switch (event.kind) {
    case 'austerity': return 'austerity';
    case 'invest': return 'invest';
    case 'fund_groups': return 'grants';
    case 'citizens_assembly': return 'assembly';
    case 'devolution': {
      const onlyBid = event.right_to_bid && !event.big_bang && event.powers === undefined
        && event.openness === undefined && event.budget_gbp_per_year === undefined
        && event.participatory_budget_share === undefined;
      return onlyBid ? 'right_to_bid' : 'devolution';
    }
    default: return null;
  }
}

const pct = (x) => Math.round(x * 1000) / 10;

// Sets every lever from the chosen built-in scenario, or from `events` in its place (a kept
// run's own).
function loadScenario(name, events = null) {
  const b = state.catalogue.scenarios.find((x) => x.name === name) || state.catalogue.scenarios[0];
  state.base = b;
  $('scenario-summary').textContent = b.summary;
  setValue('years', b.years);
  fillYears();
  const ward = $('invest-ward');
  ward.replaceChildren();
  for (const w of b.wards) el('option', { value: w, text: w }, ward);
  const mid = b.start_year + Math.floor(b.years / 2);
  // Defaults for levers the scenario does not use.
  const defaults = {
    'austerity.cut': 3.5, 'austerity.years': 9, 'austerity.year': b.start_year,
    'invest.kind': 'library', 'invest.ward': b.wards[Math.min(2, b.wards.length - 1)],
    'invest.year': mid, 'invest.funding': 5,
    'grants.gbp': 60000, 'grants.years': 5, 'grants.year': mid,
    'devolution.year': mid, 'devolution.pb': 10, 'devolution.big_bang': false,
    'right_to_bid.year': b.start_year + 2,
    'assembly.year': mid, 'assembly.members': 100, 'assembly.acted_on': true,
  };
  for (const [k, v] of Object.entries(defaults)) setValue(k, v);
  for (const lever of LEVERS) setValue(`${lever}.on`, false);
  state.plan = [];
  const extras = [];
  for (const event of events || b.events) {
    let lever = leverOf(event);
    if (lever && state.plan.some((p) => p.lever === lever)) lever = null;
    state.plan.push({ lever, event });
    if (!lever) { extras.push(event.kind.replace(/_/g, ' ') + ' ' + event.year); continue; }
    setValue(`${lever}.on`, true);
    const y = event.year;
    if (lever === 'austerity') {
      setValue('austerity.cut', pct(event.cut_per_year)); setValue('austerity.years', event.years);
      setValue('austerity.year', y);
    } else if (lever === 'invest') {
      setValue('invest.kind', event.venue_kind); setValue('invest.ward', event.ward);
      setValue('invest.year', y); setValue('invest.funding', event.funding_years || 0);
    } else if (lever === 'grants') {
      setValue('grants.gbp', event.gbp_per_year); setValue('grants.years', event.years);
      setValue('grants.year', y);
    } else if (lever === 'devolution') {
      setValue('devolution.year', y); setValue('devolution.big_bang', !!event.big_bang);
      setValue('devolution.pb', event.participatory_budget_share !== undefined
        ? pct(event.participatory_budget_share) : (event.big_bang ? 10 : 0));
    } else if (lever === 'right_to_bid') {
      setValue('right_to_bid.year', y);
    } else if (lever === 'assembly') {
      setValue('assembly.year', y); setValue('assembly.members', event.members);
      setValue('assembly.acted_on', event.acted_on);
    }
  }
  $('extras').textContent = extras.length
    ? `Also in this scenario, kept as they are: ${extras.join(', ')}.` : '';
  setValue('residents', b.residents);
  refreshOutputs();
}

function num(name) { return Number(field(name).value); }
function on(lever) { return field(`${lever}.on`).checked; }

// The event a lever makes, over the scenario's own event when there is one (so that keys the
// levers do not show, such as the week, are kept).
function leverEvent(lever, original) {
  const e = original ? { ...original } : null;
  const year = num(`${lever}.year`);
  switch (lever) {
    case 'austerity':
      return Object.assign(e || { kind: 'austerity', week: 14, statutory_share_rise_per_year: 0.015,
        deprivation_weighted: true }, { year, years: num('austerity.years'),
        cut_per_year: num('austerity.cut') / 100 });
    case 'invest':
      return Object.assign(e || { kind: 'invest', week: 14, quality: 0.8 }, { year,
        venue_kind: field('invest.kind').value, ward: field('invest.ward').value,
        funding_years: num('invest.funding') });
    case 'grants':
      return Object.assign(e || { kind: 'fund_groups', week: 14 }, { year,
        gbp_per_year: num('grants.gbp'), years: num('grants.years') });
    case 'devolution': {
      const d = Object.assign(e || { kind: 'devolution', week: 1 }, { year,
        big_bang: field('devolution.big_bang').checked });
      const pb = num('devolution.pb') / 100;
      const implied = d.big_bang ? 0.1 : 0;
      if (d.participatory_budget_share !== undefined || pb !== implied) d.participatory_budget_share = pb;
      if (!d.big_bang) delete d.big_bang;
      return d;
    }
    case 'right_to_bid':
      return Object.assign(e || { kind: 'devolution', week: 1 }, { year, right_to_bid: true });
    case 'assembly':
      return Object.assign(e || { kind: 'citizens_assembly', week: 20 }, { year,
        members: num('assembly.members'), acted_on: field('assembly.acted_on').checked });
    default: return e;
  }
}

// The request the levers describe.
function request() {
  const events = [];
  const used = new Set();
  for (const p of state.plan) {
    if (!p.lever) { events.push(p.event); continue; }
    used.add(p.lever);
    if (on(p.lever)) events.push(leverEvent(p.lever, p.event));
  }
  for (const lever of LEVERS) if (on(lever) && !used.has(lever)) events.push(leverEvent(lever, null));
  const body = {
    scenario: state.base.name,
    events,
    seed: Math.max(0, Math.floor(num('seed') || 0)),
    replicates: num('replicates'),
  };
  const set = {};
  if (num('residents') !== state.base.residents) set['town.residents'] = num('residents');
  if (num('years') !== state.base.years) set['time.years'] = num('years');
  if (Object.keys(set).length) body.set = set;
  // The server scales venues, groups and the council's budget with the residents unless told not to.
  if (!field('scale').checked) body.scale_with_residents = false;
  return body;
}

function refreshOutputs() {
  const show = {
    'austerity.cut': (v) => `${v}%`, 'austerity.years': (v) => v, 'invest.funding': (v) => v,
    'grants.gbp': (v) => Number(v).toLocaleString('en-GB'), 'grants.years': (v) => v,
    'devolution.pb': (v) => `${v}%`, 'assembly.members': (v) => v,
    residents: (v) => Number(v).toLocaleString('en-GB'), replicates: (v) => v, years: (v) => v,
  };
  for (const [name, f] of Object.entries(show)) {
    const out = field(`${name}.out`);
    if (out) out.value = f(field(name).value);
  }
  for (const fs of form().querySelectorAll('fieldset[data-lever]')) {
    fs.classList.toggle('off', !on(fs.dataset.lever));
  }
  form().querySelector('fieldset[data-fork]').classList.toggle('off', !field('fork.on').checked);
}

// ------------------------------------------------------------------------ pausing a run

// Kept runs that can be paused: finished, not themselves forks, and with the request that made
// them.
function forkable() {
  return state.runs.filter((r) => r.result && !r.result.fork && r.summary.request);
}

function forkParent() {
  return forkable().find((r) => r.id === field('fork.run').value) || null;
}

// The runs to pause and the years to pause them at.
function renderFork() {
  const runs = forkable();
  const box = field('fork.on');
  box.disabled = runs.length === 0;
  if (!runs.length) box.checked = false;
  const select = $('fork-run');
  const keep = select.value;
  select.replaceChildren();
  for (const r of runs) {
    const label = r.summary.label;
    const short = label.length > 44 ? `${label.slice(0, 43)}…` : label;
    el('option', { value: r.id, title: label, text: `run ${r.id}: ${short}` }, select);
  }
  if (runs.some((r) => r.id === keep)) select.value = keep;
  else if (runs.length) select.value = runs[runs.length - 1].id;
  const parent = forkParent();
  const year = $('fork-year');
  const keepYear = year.value;
  year.replaceChildren();
  if (parent) {
    const res = parent.result;
    for (let y = res.start_year + 1; y < res.start_year + res.years; y++) {
      el('option', { value: y, text: y }, year);
    }
    const mid = String(res.start_year + Math.floor(res.years / 2));
    year.value = [...year.options].some((o) => o.value === keepYear) ? keepYear : mid;
  }
  $('fork-hint').textContent = runs.length
    ? 'The levers below now add what happens from that year on; the run\'s own past, town '
      + 'size, years and seed are kept. Both futures are drawn from the shared past.'
    : 'Run the town first. Then pause it at a year, pull a lever below from that year on, and '
      + 'run on: both futures are drawn from the shared past.';
  refreshOutputs();
}

// Sets the levers as the run to pause had them.
function loadRun(run) {
  const req = run.summary.request;
  $('scenario').value = req.scenario;
  loadScenario(req.scenario, req.events || null);
  const set = req.set || {};
  if (set['time.years'] !== undefined) setValue('years', set['time.years']);
  if (set['town.residents'] !== undefined) setValue('residents', set['town.residents']);
  fillYears();
  setValue('scale', req.scale_with_residents !== false);
  setValue('seed', req.seed === undefined ? state.catalogue.default_seed : req.seed);
  setValue('replicates', req.replicates === undefined ? 1 : req.replicates);
  refreshOutputs();
}

// An event as text with its keys in order, to tell whether two events are the same.
function eventKey(e) {
  return JSON.stringify(Object.keys(e).sort().map((k) => [k, e[k]]));
}

// The request for a fork: the paused run's own request, and the levers pulled since as what
// happens from the fork year on.
function forkRequest() {
  const parent = forkParent();
  if (!parent) throw new Error('Choose a finished run to pause.');
  const own = parent.summary.request;
  const at = Number(field('fork.year').value);
  const levers = request();
  if (levers.scenario !== own.scenario) {
    throw new Error(`A fork goes on from the run it pauses: start from ${own.scenario} as it did.`);
  }
  const before = own.events
    || state.catalogue.scenarios.find((b) => b.name === own.scenario).events;
  const had = new Set(before.map(eventKey));
  const now = new Set(levers.events.map(eventKey));
  const dropped = before.filter((e) => !now.has(eventKey(e)));
  if (dropped.length) {
    const what = dropped.map((e) => `${e.kind.replace(/_/g, ' ')} ${e.year}`).join(', ');
    throw new Error(`A fork keeps what the run did (${what}) and adds levers from ${at} on; `
      + 'set those back as they were, or change them in a run of their own.');
  }
  const added = levers.events.filter((e) => !had.has(eventKey(e)));
  const body = { ...own, branch: { at, events: added } };
  return body;
}

// ------------------------------------------------------------------------ running

function showError(message) {
  const box = $('error');
  box.hidden = !message;
  box.textContent = message || '';
}

async function submit(ev) {
  ev.preventDefault();
  showError('');
  let summary;
  try {
    const body = field('fork.on').checked ? forkRequest() : request();
    summary = await api('/api/run', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (e) {
    showError(e.message);
    return;
  }
  keep(summary);
}

// Keeps a run on the page (dropping the oldest beyond MAX_RUNS) and follows it to the end.
// Each run is kept once, whether it was started here or found on the server.
function keep(summary) {
  if (state.known.has(summary.id)) return;
  state.known.add(summary.id);
  const taken = new Set(state.runs.map((r) => r.colour));
  while (state.runs.length >= MAX_RUNS) {
    const dropped = state.runs.shift();
    taken.delete(dropped.colour);
  }
  const colour = RUN_COLOURS.find((c) => !taken.has(c)) || RUN_COLOURS[0];
  const run = { id: summary.id, colour, summary, result: null };
  state.runs.push(run);
  renderAll();
  poll(run);
}

// Runs queued on the server by other means (the API, with curl or a script; another browser)
// join the page: the latest MAX_RUNS at first, then each new one as it appears.
async function adoptServerRuns() {
  let list;
  try {
    list = await api('/api/runs');
  } catch (e) {
    return;
  }
  const fresh = list.runs.filter((r) => !state.known.has(r.id) && r.status !== 'failed');
  for (const r of fresh.slice(-MAX_RUNS)) keep(r);
  for (const r of fresh) state.known.add(r.id);
}

async function poll(run) {
  let delay = 300;
  for (;;) {
    if (!state.runs.includes(run)) return;
    let job;
    try {
      job = await api(`/api/runs/${run.id}`);
    } catch (e) {
      run.summary = { ...run.summary, status: 'failed', error: e.message };
      renderRuns(); renderProgress();
      return;
    }
    run.summary = job;
    if (job.status === 'done') {
      run.result = job.result;
      renderAll();
      return;
    }
    if (job.status === 'failed') {
      renderRuns(); renderProgress();
      showError(job.error || 'the run failed');
      return;
    }
    renderRuns(); renderProgress();
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(1000, delay + 100);
  }
}

function renderProgress() {
  const active = state.runs.filter((r) => ['queued', 'running'].includes(r.summary.status));
  $('progress').hidden = active.length === 0;
  $('run').disabled = active.length >= 3;
  if (!active.length) return;
  const r = active[0];
  $('progress-fill').style.width = `${Math.round(100 * (r.summary.progress || 0))}%`;
  $('progress-text').textContent = `Running: ${r.summary.stage || ''}`
    + (active.length > 1 ? ` (${active.length - 1} more waiting)` : '');
}

// ------------------------------------------------------------------------ the runs kept

function fmtSeconds(x) { return x === null || x === undefined ? '' : ` · ${x.toFixed(1)} s`; }

function renderRuns() {
  const list = $('runs');
  list.replaceChildren();
  $('no-runs').hidden = state.runs.length > 0;
  for (const run of state.runs) {
    const j = run.summary;
    const li = el('li', { 'data-run': run.id, 'data-status': j.status }, list);
    li.style.setProperty('--run', run.colour);
    const remove = el('button', { type: 'button', class: 'remove', title: 'Remove this run', text: '✕' }, li);
    remove.addEventListener('click', () => {
      state.runs = state.runs.filter((r) => r !== run);
      renderAll();
    });
    el('p', { class: 'label', text: j.label }, li);
    el('p', { class: 'meta', text: `seed ${j.seed} · ${j.replicates} replicate${j.replicates > 1 ? 's' : ''} · `
      + `${Number(j.residents).toLocaleString('en-GB')} residents${fmtSeconds(j.seconds)}` }, li);
    if (j.status === 'failed') el('p', { class: 'failed', text: j.error || 'failed' }, li);
    if (!run.result && j.status !== 'failed') {
      const bar = el('div', { class: 'mini' }, li);
      el('div', {}, bar).style.width = `${Math.round(100 * (j.progress || 0))}%`;
    }
    if (run.result) {
      const d = el('details', {}, li);
      el('summary', { text: 'Downloads and the command to reproduce' }, d);
      for (const f of run.result.downloads) {
        el('a', { href: `/api/runs/${run.id}/files/${f.name}`, download: f.file, title: f.what, text: f.name }, d);
      }
      el('code', { text: run.result.command }, d);
    }
  }
}

// ------------------------------------------------------------------------ charts

function niceStep(span, maxTicks) {
  const raw = span / Math.max(1, maxTicks - 1);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function renderCharts() {
  const box = $('charts');
  box.replaceChildren();
  const done = state.runs.filter((r) => r.result);
  const first = done[0] ? done[0].result : null;
  for (const chart of state.catalogue.charts) {
    const fig = el('figure', {}, box);
    const W = 640, H = 380, L = 86, R = 34, T = 48, B = 64;
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'data-metric': chart.metric,
      'aria-label': `${chart.title} over time` }, fig);
    s('text', { x: W / 2, y: 30, 'text-anchor': 'middle', 'font-size': 24, 'font-weight': 'bold',
      text: chart.title }, svg);
    if (!first) {
      s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', 'font-size': 20, fill: '#666',
        text: 'run the town to draw this' }, svg);
      continue;
    }
    const x0 = Math.min(...done.map((r) => r.result.start_year));
    const x1 = Math.max(...done.map((r) => r.result.start_year + r.result.years));
    let lo = Infinity, hi = -Infinity;
    for (const r of done) {
      const sr = r.result.series[chart.metric];
      const past = r.result.fork ? r.result.fork.parent.series[chart.metric].mean : null;
      for (const arr of [sr.mean, sr.low, sr.high, past]) {
        if (!arr) continue;
        for (const v of arr) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
    }
    const count = chart.metric === 'venues_open';
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    // Every axis starts at 0, as the report's do: an axis cut to the data's range would make a
    // difference of a few thousandths look like a gap between futures.
    if (count) { lo = 0; hi = Math.max(1, Math.ceil(hi * 1.1)); } else {
      lo = 0;
      hi = Math.min(1, Math.max(0.1, Math.ceil((hi + 0.05) * 10) / 10));
    }
    svg.setAttribute('data-y-min', lo);
    const px = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
    const py = (y) => T + (1 - (y - lo) / (hi - lo)) * (H - T - B);
    // The selected year, as a band.
    if (state.year !== null) {
      s('rect', { x: px(state.year), y: T, width: Math.max(2, px(state.year + 1) - px(state.year)),
        height: H - T - B, fill: '#fff1b8' }, svg);
    }
    const ystep = count ? Math.max(1, niceStep(hi - lo, 6)) : niceStep(hi - lo, 6);
    for (let v = Math.ceil(lo / ystep) * ystep; v <= hi + 1e-9; v += ystep) {
      s('line', { x1: L, x2: W - R, y1: py(v), y2: py(v), stroke: '#ddd', 'stroke-width': 1 }, svg);
      s('text', { x: L - 8, y: py(v) + 6, 'text-anchor': 'end', 'font-size': 18,
        text: count ? v.toFixed(0) : v.toFixed(2) }, svg);
    }
    const xstep = niceStep(x1 - x0, 8);
    for (let v = Math.ceil(x0 / xstep) * xstep; v <= x1; v += xstep) {
      s('line', { x1: px(v), x2: px(v), y1: H - B, y2: H - B + 6, stroke: '#333' }, svg);
      s('text', { x: px(v), y: H - B + 26, 'text-anchor': 'middle', 'font-size': 18, text: v }, svg);
    }
    s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#333', 'stroke-width': 2 }, svg);
    s('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#333', 'stroke-width': 2 }, svg);
    s('text', { x: (L + W - R) / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 19, text: 'year' }, svg);
    s('text', { x: 20, y: (T + H - B) / 2, 'text-anchor': 'middle', 'font-size': 19,
      transform: `rotate(-90 20 ${(T + H - B) / 2})`, text: chart.y }, svg);
    for (const r of done) {
      const res = r.result;
      const sr = res.series[chart.metric];
      const x = (i) => px(res.start_year + i / res.weeks_per_year);
      if (sr.low && sr.high) {
        const up = sr.high.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${py(v).toFixed(1)}`)).filter(Boolean);
        const down = sr.low.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${py(v).toFixed(1)}`)).filter(Boolean).reverse();
        s('polygon', { points: up.concat(down).join(' '), fill: r.colour, 'fill-opacity': 0.2, stroke: 'none' }, svg);
      }
      const d = sr.mean.map((v, i) => (v === null ? '' : `${i ? 'L' : 'M'}${x(i).toFixed(1)},${py(v).toFixed(1)}`)).join('');
      const last = sr.mean.slice(-res.weeks_per_year).filter((v) => v !== null);
      const mean = last.reduce((a, b) => a + b, 0) / Math.max(1, last.length);
      s('path', { d, fill: 'none', stroke: r.colour, 'stroke-width': 3.5, 'stroke-linejoin': 'round',
        'data-run': r.id, 'data-final-year-mean': mean.toFixed(4) }, svg);
      if (res.fork) drawFork(svg, r, sr.mean, res.fork, chart.metric, x, px, py, [T, H - B]);
    }
  }
  $('fork-note').hidden = !done.some((r) => r.result.fork);
}

// A fork: the run forked from going on as it was (dashed) from the last week the two futures
// share, where the fork is marked.
function drawFork(svg, r, branch, fork, metric, x, px, py, [top, bottom]) {
  const from = fork.from_tick;
  const parent = fork.parent.series[metric].mean;
  const d = parent.map((v, i) => (v === null ? ''
    : `${i ? 'L' : 'M'}${x(from + i).toFixed(1)},${py(v).toFixed(1)}`)).join('');
  const last = parent.slice(-r.result.weeks_per_year).filter((v) => v !== null);
  const mean = last.reduce((a, b) => a + b, 0) / Math.max(1, last.length);
  s('path', { d, fill: 'none', stroke: r.colour, 'stroke-width': 2.5, 'stroke-dasharray': '9 6',
    'data-fork-of': r.id, 'data-final-year-mean': mean.toFixed(4) }, svg);
  const g = s('g', { class: 'fork', 'data-run': r.id, 'data-fork-year': fork.year }, svg);
  s('title', { text: `Paused at the start of ${fork.year}: from here the lever pulled (solid) `
    + 'and the run as it was (dashed)' }, g);
  const fx = px(fork.year);
  s('line', { x1: fx, x2: fx, y1: top, y2: bottom, stroke: r.colour, 'stroke-width': 2,
    'stroke-dasharray': '2 5' }, g);
  if (branch[from] !== null && branch[from] !== undefined) {
    s('circle', { cx: x(from).toFixed(1), cy: py(branch[from]).toFixed(1), r: 7, fill: '#fff',
      stroke: r.colour, 'stroke-width': 3 }, g);
  }
  s('text', { x: fx + 6, y: top + 18, 'font-size': 17, 'font-weight': 'bold', fill: r.colour,
    text: `fork ${fork.year}` }, g);
}

// ------------------------------------------------------------------------ the town map

function shade(t) {
  t = Math.min(1, Math.max(0, isFinite(t) ? t : 0));
  const x = t * (SHADES.length - 1);
  const i = Math.min(SHADES.length - 2, Math.floor(x));
  const f = x - i;
  const c = SHADES[i].map((a, k) => Math.round(a + (SHADES[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function markerPoints(kind, cx, cy, r) {
  const [sides, turn, scale] = KIND_SHAPES[kind] || [24, 0, 1];
  const pts = [];
  for (let i = 0; i < sides; i++) {
    const a = turn + 2 * Math.PI * i / sides;
    pts.push(`${(cx + r * scale * Math.cos(a)).toFixed(1)},${(cy + r * scale * Math.sin(a)).toFixed(1)}`);
  }
  return pts.join(' ');
}

function drawMarker(svg, kind, state_, cx, cy, r, title) {
  const kinds = state.catalogue.venue_kinds.map((k) => k.name);
  const colour = KIND_COLOURS[kinds.indexOf(kind) % KIND_COLOURS.length] || '#000';
  const open = state_ === 'o';
  const g = s('g', { 'data-state': state_, 'data-kind': kind }, svg);
  if (title) s('title', { text: title }, g);
  s('polygon', { points: markerPoints(kind, cx, cy, r), fill: open ? colour : '#fff',
    stroke: open ? '#000' : colour, 'stroke-width': 2 }, g);
  if (state_ === 'c') {
    const d = r * 0.8;
    s('path', { d: `M${cx - d},${cy - d}L${cx + d},${cy + d}M${cx - d},${cy + d}L${cx + d},${cy - d}`,
      stroke: '#000', 'stroke-width': 3 }, g);
  }
}

function metricRange(done) {
  let lo = Infinity, hi = -Infinity;
  for (const r of done) {
    for (const ward of r.result.map.ward_metrics[state.metric] || []) {
      for (const v of ward) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  if (!isFinite(lo)) return [0, 1];
  const snap = state.metric === 'venues_open' ? 1 : 0.05;
  lo = Math.floor(lo / snap) * snap; hi = Math.ceil(hi / snap) * snap;
  if (hi - lo < snap) { lo -= snap / 2; hi += snap / 2; }
  return [lo, hi];
}

function renderMaps() {
  const box = $('maps');
  box.replaceChildren();
  const done = state.runs.filter((r) => r.result);
  const [lo, hi] = metricRange(done);
  const label = (state.catalogue.map_metrics.find((m) => m.metric === state.metric) || {}).label || state.metric;
  for (const r of done) {
    const map = r.result.map;
    const yi = Math.max(0, Math.min(map.states.length - 2, state.year - map.start_year));
    const row = map.states[yi + 1] || '';
    const fig = el('figure', { 'data-run': r.id }, box);
    fig.style.setProperty('--run', r.colour);
    el('figcaption', { text: `${r.summary.label} — ${state.year}` }, fig);
    // Where everything goes comes with the map, laid out by the server as the files' map is:
    // discs apart, names off the markers and each other, every venue in a slot of its own.
    const panel = map.panel;
    const W = panel.width, H = panel.height;
    const open = [...row].filter((c) => c === 'o').length;
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'data-run': r.id, 'data-year': state.year,
      'data-open': open, 'aria-label': `Town map in ${state.year}: wards shaded by ${label}` }, fig);
    const values = map.wards.map((_, i) => {
      const series = (map.ward_metrics[state.metric] || [])[i] || [];
      return series[yi] === undefined ? null : series[yi];
    });
    map.wards.forEach((w, i) => {
      const v = values[i], d = w.disc;
      if (!d) return;
      s('circle', { cx: d.x, cy: d.y, r: d.r, fill: v === null ? '#fff' : shade((v - lo) / (hi - lo)),
        stroke: '#444', 'stroke-width': 2, 'data-ward': w.name, 'data-value': v === null ? '' : v }, svg);
    });
    map.venues.forEach((v, i) => {
      const st = row[i] || '-';
      if (st === '-' || !v.slot) return;
      const words = { o: 'open', s: 'shut by a lockdown', c: 'closed' }[st];
      drawMarker(svg, v.kind, st, v.slot[0], v.slot[1], panel.marker_px,
        `${v.label} (${v.kind.replace(/_/g, ' ')}): ${words}`);
    });
    map.wards.forEach((w, i) => {
      const v = values[i], b = w.name_box;
      if (!b) return;
      const digits = state.metric === 'venues_open' ? 0 : 2;
      const text = v === null ? w.name : `${w.name} ${v.toFixed(digits)}`;
      const g = s('g', { class: 'ward-name', 'data-ward': w.name }, svg);
      s('rect', { x: b.x, y: b.y, width: b.width, height: b.height, fill: '#fff', 'fill-opacity': 0.85 }, g);
      const t = s('text', { x: b.x + b.width / 2, y: b.y + b.height / 2 + 0.35 * panel.label_px,
        'text-anchor': 'middle', 'font-size': panel.label_px, 'font-weight': 'bold', text }, g);
      // The box was measured in DejaVu Sans; a wider font is squeezed into it.
      const room = b.width - 6;
      if (t.getComputedTextLength() > room) {
        t.setAttribute('textLength', room);
        t.setAttribute('lengthAdjust', 'spacingAndGlyphs');
      }
    });
    const missing = [];
    if (panel.names_left_out) missing.push(`${panel.names_left_out} ward names`);
    if (panel.venues_left_out) missing.push(`${panel.venues_left_out} meeting places`);
    if (missing.length) el('p', { class: 'hint', text: `Not drawn for lack of room: ${missing.join(', ')}` }, fig);
  }
  renderLegend(lo, hi, label, done.length > 0);
}

function renderLegend(lo, hi, label, shown) {
  const box = $('map-legend');
  box.replaceChildren();
  if (!shown) return;
  const W = 1300, H = 96;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Map legend' }, box);
  const kinds = state.catalogue.venue_kinds;
  const keys = kinds.map((k) => [k.label, k.name, 'o']).concat([['closed', 'pub', 'c']]);
  keys.forEach(([text, kind, st], i) => {
    const x = 20 + (i % 4) * 245, y = 26 + Math.floor(i / 4) * 42;
    drawMarker(svg, kind, st, x, y, 10, null);
    s('text', { x: x + 20, y: y + 7, 'font-size': 19, text }, svg);
  });
  const bx = 960, bw = 320, by = 10, bh = 28, steps = 40;
  for (let i = 0; i < steps; i++) {
    s('rect', { x: bx + i * bw / steps, y: by, width: bw / steps + 0.5, height: bh, fill: shade((i + 0.5) / steps) }, svg);
  }
  s('rect', { x: bx, y: by, width: bw, height: bh, fill: 'none', stroke: '#444' }, svg);
  const digits = state.metric === 'venues_open' ? 0 : 2;
  for (const [t, anchor] of [[0, 'start'], [0.5, 'middle'], [1, 'end']]) {
    s('text', { x: bx + t * bw, y: by + bh + 22, 'text-anchor': anchor, 'font-size': 18,
      text: (lo + t * (hi - lo)).toFixed(digits) }, svg);
  }
  s('text', { x: bx + bw / 2, y: by + bh + 48, 'text-anchor': 'middle', 'font-size': 18,
    text: `ward: ${label}` }, svg);
}

// ------------------------------------------------------------------------ the year slider

function renderYear() {
  const done = state.runs.filter((r) => r.result);
  const slider = $('year');
  if (done.length) {
    const a = Math.min(...done.map((r) => r.result.start_year));
    const b = Math.max(...done.map((r) => r.result.start_year + r.result.years - 1));
    slider.min = a; slider.max = b;
    if (state.year === null || state.year > b || state.year < a) state.year = b;
  }
  slider.value = state.year === null ? slider.max : state.year;
  $('year-out').value = state.year === null ? '' : state.year;
}

function renderAll() {
  renderYear();
  renderFork();
  renderRuns();
  renderProgress();
  renderCharts();
  renderMaps();
}

function play() {
  if (state.playing) {
    clearInterval(state.playing); state.playing = null; $('play').textContent = '▶ Play'; return;
  }
  const slider = $('year');
  if (Number(slider.value) >= Number(slider.max)) state.year = Number(slider.min);
  $('play').textContent = '❚❚ Pause';
  state.playing = setInterval(() => {
    if (state.year >= Number(slider.max)) { play(); return; }
    state.year += 1;
    renderYear(); renderCharts(); renderMaps();
  }, 800);
  renderYear(); renderCharts(); renderMaps();
}

// ------------------------------------------------------------------------ start

async function start() {
  try {
    state.catalogue = await api('/api/scenarios');
  } catch (e) {
    showError(`Cannot reach the server: ${e.message}`);
    return;
  }
  const c = state.catalogue;
  const sel = $('scenario');
  for (const b of c.scenarios) el('option', { value: b.name, text: b.name.replace(/_/g, ' ') }, sel);
  const kind = $('invest-kind');
  for (const k of c.venue_kinds) el('option', { value: k.name, text: k.name.replace(/_/g, ' ') }, kind);
  const metric = $('map-metric');
  for (const m of c.map_metrics) el('option', { value: m.metric, text: m.label }, metric);
  field('residents').max = c.limits.residents;
  field('replicates').max = c.limits.replicates;
  field('years').max = c.limits.years;
  field('years').addEventListener('input', fillYears);
  sel.addEventListener('change', () => loadScenario(sel.value));
  const pausing = () => {
    const parent = forkParent();
    if (field('fork.on').checked && parent) loadRun(parent);
  };
  field('fork.on').addEventListener('change', pausing);
  $('fork-run').addEventListener('change', () => { renderFork(); pausing(); });
  form().addEventListener('input', refreshOutputs);
  form().addEventListener('change', refreshOutputs);
  form().addEventListener('submit', submit);
  metric.addEventListener('change', () => { state.metric = metric.value; renderMaps(); });
  $('year').addEventListener('input', () => {
    state.year = Number($('year').value);
    renderYear(); renderCharts(); renderMaps();
  });
  $('play').addEventListener('click', play);
  loadScenario(c.scenarios[0].name);
  renderAll();
  await adoptServerRuns();
  setInterval(adoptServerRuns, 5000);
}

document.addEventListener('DOMContentLoaded', start);
