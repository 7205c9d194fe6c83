// Summarises a V8 .cpuprofile (node --cpu-prof) of one bench run: the top frames by self time and
// by total (inclusive) time. Profile the engine bench with
//   BENCH_ENGINE_CPU_PROF=/tmp/engine-prof BENCH_ENGINE_ROUNDS=2 npm run bench -- engine
//   node out/bench/engine/profileSummary.js /tmp/engine-prof/engine-1.cpuprofile [top]
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FrameCost {
  readonly frame: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

function frameName(cf: CallFrame): string {
  const file = cf.url ? path.basename(cf.url.replace(/^file:\/\//, '')) : '';
  return `${cf.functionName || '(anonymous)'}${file ? ` ${file}:${cf.lineNumber + 1}` : ''}`;
}

export function summarise(profile: CpuProfile): { totalMs: number; frames: FrameCost[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++)
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    // Inclusive time: each distinct frame on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const f = frameName(n.callFrame);
      if (seen.has(f)) continue;
      seen.add(f);
      total.set(f, (total.get(f) ?? 0) + us);
    }
  }
  const frames = [...total.keys()].map((frame) => ({
    frame,
    selfMs: (self.get(frame) ?? 0) / 1000,
    totalMs: (total.get(frame) ?? 0) / 1000,
  }));
  return { totalMs: (profile.endTime - profile.startTime) / 1000, frames };
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node out/bench/engine/profileSummary.js <file.cpuprofile> [top]');
  const top = Number(process.argv[3] ?? 25);
  const { totalMs, frames } = summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile);
  const row = (f: FrameCost) =>
    `${f.selfMs.toFixed(0).padStart(7)} ms ${((f.selfMs / totalMs) * 100).toFixed(1).padStart(5)}%  ${f.totalMs.toFixed(0).padStart(7)} ms  ${f.frame}`;
  console.log(`${file}: ${totalMs.toFixed(0)} ms profiled (main thread)`);
  console.log('\nby self time:     self   self%    total  frame');
  for (const f of [...frames].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) console.log(row(f));
  console.log('\nby total time:    self   self%    total  frame');
  for (const f of [...frames].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) console.log(row(f));
}

if (require.main === module) main();
