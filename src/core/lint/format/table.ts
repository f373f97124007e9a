import type { Finding } from '../finding.ts';
import { messageIn, summarize, type CheckReport, type Lang } from '../report.ts';

/**
 * The human report: one block per finding, aligned so a terminal reads it top to bottom.
 *
 *   error  OVERSEAS_NO_GROUND  declarations[0].transfer (94:5)  PIPA 28-8(1)
 *          declaration "sellers_fulfilment" transfers data of Korean residents ...
 */
export function formatTable(report: CheckReport, lang: Lang = 'en'): string {
  const { findings } = report;
  const lines: string[] = [];
  const heads = findings.map((f) => [f.severity, f.code, where(f), f.articles.join(', ')] as const);
  const widths = [0, 1, 2].map((c) => Math.max(0, ...heads.map((h) => h[c]?.length ?? 0)));
  const indent = ' '.repeat((widths[0] ?? 0) + 2);
  findings.forEach((f, i) => {
    const h = heads[i]!;
    const cols = [h[0].padEnd(widths[0]!), h[1].padEnd(widths[1]!), h[2].padEnd(widths[2]!), h[3]];
    lines.push(cols.join('  ').trimEnd());
    lines.push(`${indent}${messageIn(f, lang)}`);
  });
  lines.push(summaryLine(report, lang));
  return `${lines.join('\n')}\n`;
}

function where(f: Finding): string {
  const pos = f.line !== undefined ? `${f.line}:${f.column ?? 1}` : '';
  if (f.path === '') return pos === '' ? '(document)' : `line ${pos}`;
  return pos === '' ? f.path : `${f.path} (${pos})`;
}

function summaryLine(report: CheckReport, lang: Lang): string {
  const s = summarize(report.findings);
  if (report.status === 'invalid') {
    return lang === 'ko'
      ? `${report.file}: 레지스트리를 읽을 수 없습니다 (${report.error?.code ?? 'INVALID'}, 문제 ${s.errors}건)`
      : `${report.file}: registry is invalid (${report.error?.code ?? 'INVALID'}, ${plural(s.errors, 'problem')})`;
  }
  if (report.findings.length === 0) return lang === 'ko' ? `${report.file}: 발견 사항 없음` : `${report.file}: no findings`;
  return lang === 'ko'
    ? `${report.file}: 오류 ${s.errors}건, 경고 ${s.warnings}건, 참고 ${s.notes}건`
    : `${report.file}: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.notes, 'note')}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
