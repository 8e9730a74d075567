/**
 * Output helpers that copy docker's look: tables aligned as docker's tabwriter aligns them, its
 * capitalisation of states, its relative times, and a small subset of its `--format` templates.
 * Pure: no I/O, the clock comes in as an argument.
 */

/** docker's table writer: a cell is at least this wide, padding included (tabwriter minwidth). */
const MIN_CELL_WIDTH = 10;
/** docker's table writer: spaces after the widest cell of a column (tabwriter padding). */
const CELL_PADDING = 3;

/** Column width as a terminal sees it (code points, not UTF-16 units). */
function width(s: string): number {
  return [...s].length;
}

/**
 * Aligns rows of cells into columns as docker's tabwriter does (minimum width 10, padding 3). The
 * last cell of each row is not padded, and trailing spaces are trimmed, so an empty last column
 * leaves no whitespace at the end of the line. Each line ends with a newline.
 */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    // The last cell of a row is free text, not a column: it never widens one.
    for (let i = 0; i < row.length - 1; i++) {
      widths[i] = Math.max(widths[i] ?? 0, MIN_CELL_WIDTH, width(row[i] ?? '') + CELL_PADDING);
    }
  }
  return rows
    .map(row => {
      const cells = row.map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell)),
      );
      return `${cells.join('').trimEnd()}\n`;
    })
    .join('');
}

/** docker's `PrettyPrint`: first letter upper case, the rest lower case (`ready` → `Ready`). */
export function capitalize(s: string): string {
  return s.length === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/** A duration in docker's words (go-units `HumanDuration`): `Less than a second`, `3 minutes`… */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // go-units rounds hours here but truncates everywhere else; copied as is.
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** `<duration> ago`, as docker's CREATED columns show it; a time in the future counts as now. */
export function timeAgo(thenMs: number, nowMs: number): string {
  return `${humanDuration(Math.max(0, nowMs - thenMs))} ago`;
}

/**
 * A timestamp as docker's `--pretty` views print Go times through `PrettyPrint`:
 * `2017-05-16 22:52:44.991 +0000 utc`.
 */
export function prettyTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2017-05-16T22:52:44.991Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)} +0000 utc`;
}

/** docker's `--pretty` key column: values start at column 24 (three 8-column tabs). */
const PRETTY_KEY_WIDTH = 24;

/** One `Key:   value` line of a `--pretty` view, values aligned at docker's column. */
export function prettyLine(key: string, value: string): string {
  const label = `${key}:`;
  return `${label}${' '.repeat(Math.max(1, PRETTY_KEY_WIDTH - width(label)))}${value}\n`;
}

/** A `--format` template that names a field the command does not have, or uses unsupported syntax. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** A compiled `--format` template. */
export interface Template {
  /** `table …` templates: rows are aligned in columns under a header. */
  readonly table: boolean;
  /** The template applied to one item's fields. Tabs separate table columns. */
  render(fields: Readonly<Record<string, string>>): string;
}

/**
 * Splits a template body into its text and its `{{…}}` actions, each action (trimmed) compiled by
 * `action`; an unclosed action is a TemplateError naming `source`, the template as written.
 */
function templateParts<A extends object>(
  body: string,
  source: string,
  action: (text: string) => A,
): ({ text: string } | A)[] {
  const parts: ({ text: string } | A)[] = [];
  let rest = body;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ text: rest });
      break;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`template parsing error: unclosed action in "${source}"`);
    const compiled = action(rest.slice(open + 2, close).trim());
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    parts.push(compiled);
    rest = rest.slice(close + 2);
  }
  return parts;
}

/**
 * Compiles the subset of docker's Go templates that scripts use: `{{.Field}}` placeholders
 * (spaces inside the braces allowed), an optional `table` prefix, and docker's `\t`/`\n`
 * escapes. `fields` lists the placeholders the command provides; anything else is a
 * TemplateError now, before any item is rendered, so a typo fails even with nothing to list.
 */
export function compileTemplate(source: string, fields: readonly string[]): Template {
  const table = source.startsWith('table');
  const body = (table ? source.slice('table'.length) : source)
    .replace(/^ +| +$/g, '')
    .replaceAll('\\t', '\t')
    .replaceAll('\\n', '\n');
  const parts = templateParts(body, source, action => {
    const m = /^\.([A-Za-z][A-Za-z0-9]*)$/.exec(action);
    if (m?.[1] === undefined) {
      throw new TemplateError(
        `template parsing error: unsupported action {{${action}}}: only {{.Field}} placeholders are`,
      );
    }
    if (!fields.includes(m[1])) {
      throw new TemplateError(
        `template parsing error: can't evaluate field ${m[1]} (fields: ${fields.join(', ')})`,
      );
    }
    return { field: m[1] };
  });
  return {
    table,
    render: values => parts.map(p => ('text' in p ? p.text : (values[p.field] ?? ''))).join(''),
  };
}

/**
 * Renders items through a compiled template: one line per item, or, for `table` templates, a header
 * (the template applied to `headers`) and rows aligned by their tab-separated cells.
 */
export function renderTemplate(
  template: Template,
  headers: Readonly<Record<string, string>>,
  items: readonly Readonly<Record<string, string>>[],
): string {
  if (!template.table) return items.map(item => `${template.render(item)}\n`).join('');
  return alignColumns([headers, ...items].map(fields => template.render(fields).split('\t')));
}

/**
 * docker's sort order for names (`sortorder.NaturalLess`): digit runs compare as numbers, so
 * `node2` comes before `node10`; everything else compares by code unit, independent of locale.
 */
export function naturalCompare(a: string, b: string): number {
  const chunk = /(\d+|\D+)/g;
  const as = a.match(chunk) ?? [];
  const bs = b.match(chunk) ?? [];
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i] ?? '';
    const y = bs[i] ?? '';
    if (x === y) continue;
    const xDigits = /^\d/.test(x);
    const yDigits = /^\d/.test(y);
    if (xDigits && yDigits) {
      // BigInt: a long digit run (a serial number) must not lose precision.
      const [vx, vy] = [BigInt(x), BigInt(y)];
      if (vx !== vy) return vx < vy ? -1 : 1;
      // Equal values with different zero padding: the shorter run first, as NaturalLess does.
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return as.length - bs.length;
}

/** docker's short form of a 25-character swarm ID (`stringid.TruncateID`). */
export const SHORT_ID_LENGTH = 12;

/** An ID as docker's tables show it: cut to 12 characters unless `trunc` is false. */
export function shortId(id: string, trunc = true): string {
  return trunc ? id.slice(0, SHORT_ID_LENGTH) : id;
}

/** A compiled `inspect --format` template: its placeholders walk the inspect object. */
export interface ValueTemplate {
  /** The template applied to one inspected object (docker prints one line per object). */
  render(value: unknown): string;
}

/**
 * A value as Go's templates print it with `{{.X}}`: strings as they are, lists as `[a b]`, objects as
 * `map[k:v]` (keys sorted, as Go prints maps), a missing field as `<no value>`, null as `<nil>`.
 */
export function goPrint(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, v]) => `${k}:${goPrint(v)}`).join(' ')}]`;
  }
  return String(value);
}

/**
 * Compiles the part of docker's inspect templates that scripts use: `{{.Path.To.Field}}`, `{{.}}`,
 * `{{json .Path}}` and `{{json .}}` (compact JSON, as docker's `json` function prints it; a missing
 * field is `null`), with docker's `\t`/`\n` escapes. The first field of every path must be one of
 * `roots` (the inspect object's top-level keys), so a typo there fails before anything is printed;
 * deeper fields that are absent print as Go prints a missing map key.
 */
export function compileValueTemplate(source: string, roots: readonly string[]): ValueTemplate {
  const body = source.replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  const parts = templateParts(body, source, action => {
    const m = /^(json\s+)?\.((?:[A-Za-z][A-Za-z0-9]*)(?:\.[A-Za-z][A-Za-z0-9]*)*)?$/.exec(action);
    if (m === null) {
      throw new TemplateError(
        `template parsing error: unsupported action {{${action}}}: only {{.Path}} and {{json .Path}} are`,
      );
    }
    const path = m[2] === undefined ? [] : m[2].split('.');
    const root = path[0];
    if (root !== undefined && !roots.includes(root)) {
      throw new TemplateError(
        `template parsing error: can't evaluate field ${root} (fields: ${roots.join(', ')})`,
      );
    }
    return { path, json: m[1] !== undefined };
  });
  return {
    render: value =>
      parts
        .map(p => {
          if ('text' in p) return p.text;
          let v: unknown = value;
          for (const key of p.path) {
            v =
              typeof v === 'object' && v !== null && !Array.isArray(v)
                ? (v as Record<string, unknown>)[key]
                : undefined;
          }
          return p.json ? JSON.stringify(v ?? null) : goPrint(v);
        })
        .join(''),
  };
}
