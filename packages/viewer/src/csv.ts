/** One trace's visible points for CSV export. */
export interface CsvTrace {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number | null | undefined>;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(v);
}

/**
 * Visible chart data as CSV: `series,x,value`, one row per drawn vertex inside [min, max], in
 * trace order then x order. Non-finite values are written as `NaN`, `Infinity`, `-Infinity`.
 */
export function chartCsv(traces: readonly CsvTrace[], min: number, max: number): string {
  const rows = ['series,x,value'];
  for (const t of traces) {
    const name = csvField(t.label);
    for (let i = 0; i < t.x.length; i++) {
      const x = t.x[i] as number;
      const y = t.y[i];
      if (x < min || x > max || y === undefined || y === null) continue;
      rows.push(`${name},${csvNumber(x)},${csvNumber(y)}`);
    }
  }
  return `${rows.join('\n')}\n`;
}
