import { spawnSync } from 'node:child_process';
import { BASH, needs } from '../support/system.ts';

/**
 * The README tour as steps: the ```sh blocks of its tour sections, cut at full-line comments.
 * A step is the comment that says what happens and the commands after it; a cut that would leave
 * a command incomplete (inside a loop, a continued line, a quote) is undone by merging with the
 * next step, as `bash -n` decides.
 */
export interface Step {
  /** 1-based, in README order. */
  readonly n: number;
  /** The README section it comes from. */
  readonly section: string;
  /** The full-line comments leading the step (without `#`), or its first command. */
  readonly title: string;
  /** Every comment of the step, full-line and trailing: what the README says will happen. */
  readonly comments: string;
  /** The commands, as bash runs them. */
  readonly code: string;
  /** Sample output lines the README shows for the step (`#   ✓ …`). */
  readonly samples: readonly string[];
}

/** The tour: these sections, in order (a heading that is gone fails the test, naming it). */
export const TOUR_SECTIONS = ['## 5-minute tour', '## Verify that your data release is in the log'];

/** A comment indented by more than one space after `#`: sample output, not a new step. */
const SAMPLE = /^\s*#\s{2,}\S/;

/** `export CG=… CG_ADMIN=cg_admin_…`: the placeholder the reader fills in; the test sets both. */
const PLACEHOLDER = /^export CG=/;

export function sectionText(readme: string, heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  return readme.slice(start, next < 0 ? undefined : next);
}

export function tourSteps(readme: string): Step[] {
  const steps: Step[] = [];
  for (const heading of TOUR_SECTIONS) {
    const text = sectionText(readme, heading);
    for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
      const lines = block[1]!.split('\n').filter((l) => !PLACEHOLDER.test(l));
      let current: string[] = [];
      const flush = () => {
        if (current.some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) steps.push(makeStep(steps.length + 1, heading, current));
        current = [];
      };
      for (const line of lines) {
        // `#   ✓ checkpoint …`: sample output of the command above, part of its step.
        const isComment = line.trim().startsWith('#') && !SAMPLE.test(line);
        const prev = current.filter((l) => l.trim() !== '').pop();
        if (isComment && prev !== undefined && (!prev.trim().startsWith('#') || SAMPLE.test(prev))) flush();
        current.push(line);
      }
      flush();
    }
  }
  return mergeIncomplete(steps);
}

function makeStep(n: number, section: string, lines: string[]): Step {
  const code = lines.join('\n').trim() + '\n';
  const heads = lines.filter((l) => l.trim().startsWith('#') && !SAMPLE.test(l)).map((l) => l.trim().replace(/^#+\s?/, ''));
  const leading: string[] = [];
  for (const l of lines) {
    if (!l.trim().startsWith('#') || SAMPLE.test(l)) break;
    leading.push(l.trim().replace(/^#+\s?/, ''));
  }
  const samples = lines.filter((l) => SAMPLE.test(l)).map((l) => l.replace(/^\s*#\s*/, ''));
  const trailing = lines.map((l) => /\s#\s(.*)$/.exec(l)?.[1]).filter((c): c is string => c !== undefined);
  const firstCommand = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'))!.trim();
  return { n, section, title: leading.length ? leading.join(' ') : firstCommand, comments: [...heads, ...trailing].join('\n'), code, samples };
}

/** Whether bash parses `code` as whole commands (without bash, every block counts as whole). */
function complete(code: string): boolean {
  if (!needs('splitting the README tour into steps', [BASH])) return true;
  return spawnSync('bash', ['-n'], { input: code }).status === 0;
}

function mergeIncomplete(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps.length; i++) {
    let s = steps[i]!;
    while (!complete(s.code) && i + 1 < steps.length && steps[i + 1]!.section === s.section) {
      const next = steps[++i]!;
      s = { ...s, code: s.code + next.code, comments: `${s.comments}\n${next.comments}`, samples: [...s.samples, ...next.samples] };
    }
    out.push({ ...s, n: out.length + 1 });
  }
  return out;
}

/**
 * Problems a comment announces: "403 NO_CONSENT", "(422 REGISTRY_HAS_ERRORS)" — but not what
 * "would be" refused in another case ("a seller in KR would be 422 COUNTRY_NOT_IN_CLASS").
 */
export function announcedCodes(comments: string): string[] {
  return [...comments.matchAll(/(would be )?\b[45]\d\d ([A-Z][A-Z0-9_]{3,})\b/g)].filter((m) => !m[1]).map((m) => m[2]!);
}

/** One script running every step in one shell (variables carry over), each step's output and status in files. */
export function runnerScript(steps: readonly Step[], outDir: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return steps
    .map((s) => `{\n${s.code}} > ${q(`${outDir}/${s.n}.out`)} 2> ${q(`${outDir}/${s.n}.err`)} < /dev/null\necho $? > ${q(`${outDir}/${s.n}.rc`)}\n`)
    .join('');
}
