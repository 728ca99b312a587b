/** Medians, ratios, and the Markdown, JSON and SVG written to bench/results/. */

import type { Result } from './peers/rx/measure.js';
import type { ClientName } from './peers.js';

export interface Row {
  workload: string;
  client: ClientName;
  runs: number;
  msgsPerSec: number;
  mbPerSec: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  cpuPer100k: number;
  peakRssMb: number;
  maxInFlight?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** One row from a client's runs of a workload: the median of each figure. */
export function summarize(workload: string, client: ClientName, results: Result[]): Row {
  const pick = (f: (r: Result) => number | null | undefined) => {
    const values = results.map(f).filter((v): v is number => typeof v === 'number');
    return values.length > 0 ? median(values) : null;
  };
  const row: Row = {
    workload,
    client,
    runs: results.length,
    msgsPerSec: Math.round(pick((r) => r.msgsPerSec) ?? 0),
    mbPerSec: round(pick((r) => r.mbPerSec) ?? 0),
    latencyP50Ms: pick((r) => r.latencyP50Ms),
    latencyP99Ms: pick((r) => r.latencyP99Ms),
    cpuPer100k: round(pick((r) => (r.cpuSeconds / r.messages) * 100_000) ?? 0, 3),
    peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
  };
  const inFlight = pick((r) => r.maxInFlight);
  if (inFlight !== null) row.maxInFlight = inFlight;
  return row;
}

export interface Ratio {
  workload: string;
  metric: string;
  rx: number | null;
  go: number | null;
  gufo: number | null;
  rxOverGo: number | null;
  rxOverGufo: number | null;
}

const METRIC: Record<string, { key: keyof Row; name: string }> = {
  'pub-sync': { key: 'latencyP50Ms', name: 'p50 latency ms (lower is better)' },
};

export function ratios(rows: Row[]): Ratio[] {
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const out: Ratio[] = [];
  for (const workload of workloads) {
    const metric = METRIC[workload] ?? { key: 'msgsPerSec', name: 'msgs/s' };
    const get = (c: ClientName) => {
      const v = rows.find((r) => r.workload === workload && r.client === c)?.[metric.key];
      return typeof v === 'number' ? v : null;
    };
    const [rx, go, gufo] = [get('rx'), get('go'), get('gufo')];
    const ratio = (a: number | null, b: number | null) => (a !== null && b ? round(a / b) : null);
    out.push({
      workload,
      metric: metric.name,
      rx,
      go,
      gufo,
      rxOverGo: ratio(rx, go),
      rxOverGufo: ratio(rx, gufo),
    });
    const cpu = (c: ClientName) =>
      rows.find((r) => r.workload === workload && r.client === c)?.cpuPer100k ?? null;
    out.push({
      workload,
      metric: 'client CPU s per 100K (lower is better)',
      rx: cpu('rx'),
      go: cpu('go'),
      gufo: cpu('gufo'),
      rxOverGo: ratio(cpu('rx'), cpu('go')),
      rxOverGufo: ratio(cpu('rx'), cpu('gufo')),
    });
  }
  return out;
}

const cell = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));

export function markdown(rows: Row[], meta: Record<string, string>): string {
  const lines = [
    '# Benchmark results (latest run)',
    '',
    ...Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Ratios',
    '',
    '| workload | metric | rx | go | gufo | rx/go | rx/gufo |',
    '|---|---|---|---|---|---|---|',
    ...ratios(rows).map(
      (r) =>
        `| ${r.workload} | ${r.metric} | ${cell(r.rx)} | ${cell(r.go)} | ${cell(r.gufo)} | ${cell(r.rxOverGo)} | ${cell(r.rxOverGufo)} |`,
    ),
    '',
    '## Every figure (median of the runs)',
    '',
    '| workload | client | runs | msgs/s | MB/s | p50 ms | p99 ms | CPU s/100K | peak RSS MB | max in flight |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.client} | ${r.runs} | ${r.msgsPerSec} | ${r.mbPerSec} | ${cell(r.latencyP50Ms)} | ${cell(r.latencyP99Ms)} | ${r.cpuPer100k} | ${r.peakRssMb} | ${cell(r.maxInFlight)} |`,
    ),
    '',
    '![Throughput by message size](throughput-by-size.svg)',
    '',
  ];
  return lines.join('\n');
}

const COLORS: Record<ClientName, string> = { rx: '#d6336c', go: '#1c7ed6', gufo: '#f59f00' };

/** Grouped bars: MB/s per message size, one bar per client. */
export function sizeChart(rows: Row[], sizes: { label: string; workload: string }[]): string {
  const clients: ClientName[] = ['rx', 'go', 'gufo'];
  const max = Math.max(
    1,
    ...rows.filter((r) => sizes.some((s) => s.workload === r.workload)).map((r) => r.mbPerSec),
  );
  const width = 640;
  const height = 320;
  const left = 60;
  const bottom = 40;
  const plotH = height - bottom - 30;
  const group = (width - left - 20) / sizes.length;
  const bar = group / (clients.length + 1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">Bulk publish throughput by message size (MB/s, higher is better)</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - 10}" y2="${height - bottom}" stroke="#333"/>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    const y = height - bottom - (plotH * t) / 4;
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">${v.toFixed(0)}</text>`);
    parts.push(`<line x1="${left}" y1="${y}" x2="${width - 10}" y2="${y}" stroke="#eee"/>`);
  }
  sizes.forEach((size, i) => {
    const x0 = left + i * group + bar / 2;
    clients.forEach((c, j) => {
      const v = rows.find((r) => r.workload === size.workload && r.client === c)?.mbPerSec ?? 0;
      const h = (plotH * v) / max;
      const x = x0 + j * bar;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(height - bottom - h).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[c]}"><title>${c} ${size.label}: ${v} MB/s</title></rect>`,
      );
    });
    parts.push(
      `<text x="${(x0 + (clients.length * bar) / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${size.label}</text>`,
    );
  });
  clients.forEach((c, j) => {
    parts.push(
      `<rect x="${left + 10 + j * 80}" y="${height - 14}" width="10" height="10" fill="${COLORS[c]}"/>`,
    );
    parts.push(`<text x="${left + 24 + j * 80}" y="${height - 5}">${c}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
